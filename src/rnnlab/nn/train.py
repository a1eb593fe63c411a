"""The trainer: fit a many-to-many model on padded (src, tgt) id matrices, evaluate, stop early.

It knows nothing about the model beyond `model(ids, state) -> (logits, state)`, nothing about
files and nothing about printing: it reports through a callback and can be asked to stop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlab.errors import TrainingError
from rnnlab.nn import distributed
from rnnlab.text.pairs import PairData, length_batches


@dataclass(frozen=True)
class TrainOptions:
    epochs: int = 30  # passes over the training data (an upper bound with target_accuracy)
    batch_size: int = 64  # sequences per step; batches hold sequences of similar length
    lr: float = 2e-2  # Adam learning rate
    clip: float | None = 1.0  # gradient norm clipping threshold; None turns it off
    target_accuracy: float | None = None  # stop once validation character accuracy reaches it
    eval_every: int = 0  # also validate every this many steps (0: at epoch ends only)
    seed: int = 0  # initialisation and batch order
    device: str = "cpu"  # "cpu" or "cuda"

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")
        if self.clip is not None and not self.clip > 0:
            raise ValueError(f"clip must be positive (or omitted), got {self.clip}")
        if self.target_accuracy is not None and not 0 < self.target_accuracy <= 1:
            raise ValueError(
                f"target accuracy is a fraction in (0, 1], got {self.target_accuracy}; "
                "write 1.0 for 100%"
            )
        if self.eval_every < 0:
            raise ValueError(f"eval-every must be 0 or more steps, got {self.eval_every}")

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Metrics:
    loss: float  # mean cross-entropy per real character
    char_accuracy: float  # argmax == target over real characters (padding excluded)
    line_accuracy: float  # whole sequences with every character right
    chars: int  # real characters counted


@dataclass
class Event:
    kind: str  # "step" | "eval" | "epoch"
    epoch: int  # 0-based
    step: int  # steps done in this epoch
    steps_per_epoch: int
    loss: float  # the last training batch's loss
    train_seconds: float  # time spent in training steps so far (evaluation excluded)
    metrics: Metrics | None = None
    record: dict | None = None  # the History record this evaluation added


@dataclass
class History:
    records: list[dict] = field(default_factory=list)  # one per evaluation
    stopped: str = "epochs"  # "epochs" | "target" | "interrupted"
    epoch: int = 0  # where training stands: next epoch to run ...
    step: int = 0  # ... and steps of it already done
    train_seconds: float = 0.0

    @property
    def best_accuracy(self) -> float:
        return max((r["val_char_accuracy"] for r in self.records), default=float("nan"))


def masked_cross_entropy(logits: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over real characters; logits (N, L, V), tgt (N, L) with 0 = padding."""
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=0)


def make_batches(
    data: PairData, batch_size: int, seed: int | None, device: str = "cpu"
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(src, tgt) tensor pairs (B, L_batch), each cut to its longest sequence, in seeded order."""
    out = []
    for idx in length_batches(data.lengths, batch_size, seed):
        width = int(data.lengths[idx].max())
        src = torch.from_numpy(np.ascontiguousarray(data.src[idx, :width]))
        tgt = torch.from_numpy(np.ascontiguousarray(data.tgt[idx, :width]))
        out.append((src.to(device), tgt.to(device)))
    return out


@torch.inference_mode()
def evaluate(
    model: nn.Module, data: PairData, batch_size: int = 1024, device: str = "cpu"
) -> Metrics:
    """Loss, real-character accuracy and whole-line accuracy of `model` on `data`."""
    was_training = model.training
    model.eval()
    loss_sum, right, chars, lines_right = 0.0, 0, 0, 0
    for src, tgt in make_batches(data, batch_size, seed=None, device=device):
        logits, _ = model(src)
        real = tgt != 0
        n = int(real.sum())
        loss_sum += float(masked_cross_entropy(logits, tgt)) * n
        hit = (logits.argmax(-1) == tgt) & real
        right += int(hit.sum())
        chars += n
        lines_right += int((hit | ~real).all(dim=1).sum())
    model.train(was_training)
    if chars == 0:
        return Metrics(float("nan"), float("nan"), float("nan"), 0)
    return Metrics(loss_sum / chars, right / chars, lines_right / len(data.lengths), chars)


def fit(
    model: nn.Module,
    train: PairData,
    val: PairData | None,
    opts: TrainOptions,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    start: tuple[int, int] = (0, 0),
    callback: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> History:
    """Train `model` in place with Adam on masked cross-entropy; returns the History.

    Batch order depends only on (seed, epoch), so a run resumed from `start` = (epoch, step)
    with the saved optimizer replays exactly the steps an uninterrupted run would take.
    A non-finite loss raises TrainingError before the step, leaving the weights as they were.
    Under torchrun (distributed.active()), the model is wrapped in DistributedDataParallel and
    each process takes its share of every epoch's batches through a DistributedSampler; every
    process validates, so all take the same early-stopping decision.
    """
    model.to(opts.device).train()
    net = _parallel(model, opts.device)
    opt = optimizer or torch.optim.Adam(model.parameters(), lr=opts.lr)
    history = History(epoch=start[0], step=start[1])
    notify = callback or (lambda e: None)
    stop = _agreed(should_stop or (lambda: False), opts.device)
    train_seconds = 0.0

    def validate(epoch: int, step: int, steps: int, loss: float, kind: str) -> bool:
        if val is None:
            notify(Event(kind, epoch, step, steps, loss, train_seconds))
            return False
        m = evaluate(model, val, device=opts.device)
        record = {
            "epoch": epoch + 1,
            "step": step,
            "train_loss": loss,
            "val_loss": m.loss,
            "val_char_accuracy": m.char_accuracy,
            "val_line_accuracy": m.line_accuracy,
            "train_seconds": train_seconds,
        }
        history.records.append(record)
        notify(Event(kind, epoch, step, steps, loss, train_seconds, m, record))
        return opts.target_accuracy is not None and m.char_accuracy >= opts.target_accuracy

    loss_value = float("nan")
    for epoch in range(start[0], opts.epochs):
        batches = _share(
            make_batches(
                train, opts.batch_size, seed=opts.seed * 100_003 + epoch, device=opts.device
            )
        )
        first = start[1] if epoch == start[0] else 0
        for step in range(first, len(batches)):
            if stop():
                history.stopped, history.epoch, history.step = "interrupted", epoch, step
                history.train_seconds = train_seconds
                return history
            t0 = time.perf_counter()
            src, tgt = batches[step]
            logits, _ = net(src)
            loss = masked_cross_entropy(logits, tgt)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise TrainingError(
                    f"the loss became {loss_value} at epoch {epoch + 1}, step {step + 1}; "
                    "lower the learning rate (--lr) or keep gradient clipping on (--clip)"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if opts.clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), opts.clip)
            opt.step()
            train_seconds += time.perf_counter() - t0
            notify(Event("step", epoch, step + 1, len(batches), loss_value, train_seconds))
            last = step + 1 == len(batches)
            due = opts.eval_every and (step + 1) % opts.eval_every == 0 and not last
            if due and validate(epoch, step + 1, len(batches), loss_value, "eval"):
                history.stopped, history.epoch, history.step = "target", epoch, step + 1
                history.train_seconds = train_seconds
                return history
        history.epoch, history.step = epoch + 1, 0
        if validate(epoch, len(batches), len(batches), loss_value, "epoch"):
            history.stopped = "target"
            break
    history.train_seconds = train_seconds
    return history


def _parallel(model: nn.Module, device: str) -> nn.Module:
    """The model wrapped in DistributedDataParallel under torchrun, else the model itself."""
    if not distributed.active():
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [torch.cuda.current_device()] if device == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def _share(batches: list) -> list:
    """This process's share of the epoch's batches (all of them outside torchrun).

    The same seeded order is made in every process; DistributedSampler deals it out, dropping
    the remainder so every process takes the same number of steps.
    """
    if not distributed.active():
        return batches
    from torch.utils.data import DistributedSampler

    sampler = DistributedSampler(
        range(len(batches)), num_replicas=distributed.world_size(), rank=distributed.rank(),
        shuffle=False, drop_last=True,
    )  # fmt: skip
    return [batches[i] for i in sampler]


def _agreed(should_stop: Callable[[], bool], device: str) -> Callable[[], bool]:
    """Under torchrun, stop when any process is asked to, so no process waits for the others."""
    if not distributed.active():
        return should_stop

    def any_stop() -> bool:
        flag = torch.tensor([1.0 if should_stop() else 0.0], device=device)
        torch.distributed.all_reduce(flag)
        return bool(flag.item() > 0)

    return any_stop
