"""The one trainer: fit any model on any data.TrainData, evaluate, stop early, resume.

A step is a piece of the data (data.py) run through truncated BPTT(k1, k2) (tbptt.py): a batch
of phrases is one window over its whole width from a zero state, a segment of a stream carries
each row's state in from the last segment. The trainer knows nothing about the model beyond
`model(ids, state) -> (logits, state)`, nothing about files and nothing about printing: it
reports through a callback and can be asked to stop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlab.errors import TrainingError
from rnnlab.nn import distributed
from rnnlab.nn.adam import Adam
from rnnlab.nn.config import TrainOptions
from rnnlab.nn.data import IGNORE, Piece, TrainData
from rnnlab.nn.schedule import rates
from rnnlab.nn.tbptt import State, tbptt


@dataclass
class Metrics:
    loss: float  # mean loss per counted target (cross-entropy: per real character)
    char_accuracy: float  # argmax == target where the target counts (NaN for float targets)
    line_accuracy: float  # rows with every counted target right
    chars: int  # targets counted


@dataclass
class Event:
    kind: str  # "step" | "eval" | "epoch"
    epoch: int  # 0-based
    step: int  # pieces (batches) done in this epoch
    steps_per_epoch: int
    loss: float  # the last piece's training loss
    train_seconds: float  # time spent in training steps so far (evaluation excluded)
    metrics: Metrics | None = None
    record: dict | None = None  # the History record this evaluation added


@dataclass
class History:
    records: list[dict] = field(default_factory=list)  # one per evaluation
    stopped: str = "epochs"  # "epochs" | "target" | "interrupted"
    epoch: int = 0  # where training stands: next epoch to run ...
    step: int = 0  # ... and pieces of it already done
    train_seconds: float = 0.0

    @property
    def best_accuracy(self) -> float:
        return max((r["val_char_accuracy"] for r in self.records), default=float("nan"))


def cross_entropy(logits: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the targets that count: logits (N, L, V), tgt (N, L), IGNORE out."""
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=IGNORE)


def make_optimizer(model: nn.Module, opts: TrainOptions) -> Adam:
    """Adam, or AdamW (decoupled weight decay) when opts.weight_decay is set: torch.optim's
    update, without the second that making a torch.optim optimizer first costs (adam.py)."""
    if opts.weight_decay:
        return Adam(model.parameters(), lr=opts.lr, weight_decay=opts.weight_decay, decoupled=True)
    return Adam(model.parameters(), lr=opts.lr)


def keep_rows(state: State, keep: torch.Tensor | None) -> State:
    """`state` (a tensor (layers, B, H), an LSTM's pair of them, or None) with the rows where
    `keep` (B,) is False set to zero: those rows start afresh. keep None: no state at all."""
    if state is None or keep is None:
        return None
    if isinstance(state, tuple):
        return tuple(keep_rows(s, keep) for s in state)
    return state * keep.to(state.dtype)[None, :, None]


def _tensors(piece: Piece, device: str):
    src, tgt = (
        torch.from_numpy(np.ascontiguousarray(a)).to(device) for a in (piece.src, piece.tgt)
    )
    keep = None if piece.keep is None else torch.from_numpy(piece.keep).to(device)
    return src, tgt, keep


@torch.inference_mode()
def evaluate(
    model: nn.Module, pieces: Sequence[Piece], loss: Callable | None = None, device: str = "cpu"
) -> Metrics:
    """Loss, accuracy and whole-row accuracy of `model` over `pieces`, a row's state carried
    from piece to piece where the piece keeps it."""
    loss = loss or cross_entropy
    was_training = model.training
    model.eval()
    loss_sum, right, chars, rows_right, rows, state = 0.0, 0, 0, 0, 0, None
    for piece in pieces:
        src, tgt, keep = _tensors(piece, device)
        out, state = model(src, keep_rows(state, keep))
        classes = not torch.is_floating_point(tgt)
        real = tgt != IGNORE if classes else torch.ones(len(tgt), dtype=torch.bool)
        n = int(real.sum())
        if n == 0:
            continue  # nothing counts here (its loss would read NaN)
        loss_sum += float(loss(out, tgt)) * n
        chars, rows = chars + n, rows + len(src)
        if classes:
            hit = (out.argmax(-1) == tgt) & real
            right += int(hit.sum())
            rows_right += int((hit | ~real).all(dim=1).sum())
    model.train(was_training)
    if chars == 0:
        return Metrics(float("nan"), float("nan"), float("nan"), 0)
    accuracy = right / chars if classes else float("nan")
    return Metrics(loss_sum / chars, accuracy, rows_right / rows if classes else math.nan, chars)


def fit(
    model: nn.Module,
    data: TrainData,
    options: TrainOptions,
    callback: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    optimizer: Adam | None = None,
    start: tuple[int, int] = (0, 0),
    prior: list[dict] | None = None,
) -> History:
    """Train `model` in place with Adam (AdamW with weight decay) on data.train; returns the
    History.

    Each epoch's pieces depend only on (seed, epoch), so a run resumed from `start` = (epoch,
    piece) with the saved optimizer and its earlier records (`prior`, which also count toward
    the patience) replays exactly the steps an uninterrupted run would take; training stops
    when asked only before a piece no state carries into. A non-finite loss
    raises TrainingError before its update, leaving the weights as they were. Under torchrun
    (distributed.active()), the model is wrapped in DistributedDataParallel and each process
    takes its share of every epoch's pieces through a DistributedSampler; every process
    validates, so all take the same early-stopping decision.
    """
    return _Loop(model, data, options, optimizer, callback, should_stop).run(start, prior or [])


class _Loop:
    """One call of fit: the loop over epochs and pieces, validation, and where it stands."""

    def __init__(self, model, data, opts, optimizer, callback, should_stop) -> None:
        self.model, self.data, self.opts = model.to(opts.device).train(), data, opts
        self.net = _parallel(model, opts.device)
        self.opt = optimizer or make_optimizer(model, opts)
        self.notify = callback or (lambda e: None)
        self.stop = _agreed(should_stop or (lambda: False), opts.device)
        self.loss_fn = data.loss or cross_entropy
        self.seconds, self.hits, self.losses, self.at = 0.0, 0, [], (0, 0)

    def run(self, start: tuple[int, int], prior: list[dict]) -> History:
        self.history = History(list(prior), epoch=start[0], step=start[1])
        for r in prior:  # validations that reached the target, running, before the resume
            self._count(r["val_char_accuracy"])
        every = self.opts.eval_every
        for epoch in range(start[0], self.opts.epochs):
            pieces = _share(self.data.train.epoch(epoch))
            n, state = len(pieces), None
            for i, piece in enumerate(pieces):
                if epoch == start[0] and i < start[1]:
                    continue  # made and skipped, so a generator of pieces stays in step
                if piece.fresh and self.stop():
                    return self._end("interrupted", epoch, i)
                state = self._step(piece, state, epoch, i, n)
                if (
                    every
                    and (i + 1) % every == 0
                    and i + 1 < n
                    and self._validate(epoch, i + 1, n, "eval")
                ):
                    return self._end("target", epoch, i + 1)
            self.history.epoch, self.history.step = epoch + 1, 0
            if self._validate(epoch, n, n, "epoch"):
                return self._end("target", epoch + 1, 0)
        return self._end("epochs", self.history.epoch, 0)

    def _end(self, how: str, epoch: int, step: int) -> History:
        h = self.history
        h.stopped, h.epoch, h.step, h.train_seconds = how, epoch, step, self.seconds
        return h

    def _checked_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = self.loss_fn(output, target)
        if not torch.is_floating_point(target) and not bool((target != IGNORE).any()):
            return loss  # no target counts in this window: it adds no gradient, whatever it reads
        value = loss.item()
        if not math.isfinite(value):
            raise TrainingError(
                f"the loss became {value} at epoch {self.at[0] + 1}, step {self.at[1] + 1}; "
                "lower the learning rate (--lr) or keep gradient clipping on (--clip)"
            )
        self.losses.append(value)
        return loss

    def _step(self, piece: Piece, state: State, epoch: int, i: int, n: int) -> State:
        """Truncated BPTT over one piece (phrases: one window over its whole width)."""
        t0 = time.perf_counter()
        src, tgt, keep = _tensors(piece, self.opts.device)
        k1 = self.opts.k1 or src.shape[1]
        lr, beta1 = rates(self.opts, epoch, i, n)
        for g in self.opt.param_groups:
            g["lr"] = lr
            if beta1 is not None:
                g["betas"] = (beta1, *g["betas"][1:])
        self.at, before = (epoch, i), len(self.losses)
        state = tbptt(self.net, src, tgt, self._checked_loss, self.opt, k1, self.opts.k2 or k1,
                      state=keep_rows(state, keep), clip=self.opts.clip)  # fmt: skip
        self.seconds += time.perf_counter() - t0
        loss = float(np.mean(self.losses[before:])) if len(self.losses) > before else math.nan
        self.notify(Event("step", epoch, i + 1, n, loss, self.seconds))
        return state

    def _validate(self, epoch: int, step: int, steps: int, kind: str) -> bool:
        """Validate (when there is validation data), record and report; whether to stop."""
        loss = float(np.mean(self.losses)) if self.losses else math.nan
        self.losses = []
        if self.data.val is None:
            self.notify(Event(kind, epoch, step, steps, loss, self.seconds))
            return False
        m = evaluate(self.model, self.data.val, self.loss_fn, self.opts.device)
        record = {"epoch": epoch + 1, "step": step, "train_loss": loss, "val_loss": m.loss,
                  "val_char_accuracy": m.char_accuracy, "val_line_accuracy": m.line_accuracy,
                  "train_seconds": self.seconds}  # fmt: skip
        self.history.records.append(record)
        self.notify(Event(kind, epoch, step, steps, loss, self.seconds, m, record))
        return self._count(m.char_accuracy)

    def _count(self, accuracy: float) -> bool:
        """Count a validation toward the patience; whether enough ran at the target."""
        target = self.opts.target_accuracy
        self.hits = self.hits + 1 if target is not None and accuracy >= target else 0
        return self.hits >= self.opts.patience


def _parallel(model: nn.Module, device: str) -> nn.Module:
    """The model wrapped in DistributedDataParallel under torchrun, else the model itself."""
    if not distributed.active():
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [torch.cuda.current_device()] if device == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def _share(pieces: Sequence[Piece]) -> Sequence[Piece]:
    """This process's share of the epoch's pieces (all of them outside torchrun).

    The same seeded order is made in every process; DistributedSampler deals it out, dropping
    the remainder so every process takes the same number of steps.
    """
    if not distributed.active():
        return pieces
    from torch.utils.data import DistributedSampler

    sampler = DistributedSampler(
        range(len(pieces)), num_replicas=distributed.world_size(), rank=distributed.rank(),
        shuffle=False, drop_last=True,
    )  # fmt: skip
    return [pieces[i] for i in sampler]


def _agreed(should_stop: Callable[[], bool], device: str) -> Callable[[], bool]:
    """Under torchrun, stop when any process is asked to, so no process waits for the others."""
    if not distributed.active():
        return should_stop

    def any_stop() -> bool:
        flag = torch.tensor([1.0 if should_stop() else 0.0], device=device)
        torch.distributed.all_reduce(flag)
        return bool(flag.item() > 0)

    return any_stop
