"""Stream training of decipherers, for ciphers with memory: a corpus enciphered as messages laid
end to end in columns and trained with truncated BPTT, the state carried from window to window
within a message. Not here: the TBPTT driver (tbptt.py), phrase training (train.py), decoding.

One epoch with B = 3 columns and segments of 4 characters. The training text is read as a ring
cut at an offset drawn anew each epoch; at each segment boundary a column starts a new message
with probability `restart` (each column draws its own rate around it), and every message is
enciphered from the key's start:

    text   ..|a b c d e f g h i j k l|m n o p q r s t u v w x|y z A B C D E F G H I J|..
    col 0    [E(a b c d e f g h)     |E(i j k l)]      state zeroed where a message starts
    col 1    [E(m n o p q r s t u v w x)]              (its first segment, and each |)
    col 2    [E(y z A B)|E(C D E F)|E(G H I J)]
              <- tbptt(k1, k2) over each segment, the state carried from one to the next ->

By default restart = 1: every message is one segment of 100 characters, split into two windows
of k1 = k2 = 50. So the model never runs more than 100 characters from a zero state while it
learns, and no gradient reaches back more than 50; it must learn to count through the key in a
way that keeps counting right over messages of any length (see docs/length.md).
"""

from __future__ import annotations

import math
import string
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from rnnlab.errors import DataError, TrainingError
from rnnlab.nn import checkpoint
from rnnlab.nn.models import ModelConfig, build_model, count_parameters
from rnnlab.nn.pipeline import TrainResult
from rnnlab.nn.tbptt import TBPTTStep, tbptt
from rnnlab.nn.train import Event, History, Metrics, masked_cross_entropy
from rnnlab.text._codepoints import code_points, from_code_points
from rnnlab.text.ciphers import Cipher
from rnnlab.text.pairs import case_follows, fold
from rnnlab.text.vocab import Vocab, pad

# Ciphers whose mapping depends on what came before; `rnnlab train` streams them by default.
MEMORY_CIPHERS = ("vigenere", "autokey", "progressive")
# Model and epochs for each cipher unless the user says otherwise (LSTMs run faster than GRUs
# on CPUs and learned these sooner); autokey and the progressive cipher need the larger model.
STREAM_RECIPES: dict[str, dict] = {
    "default": {"cell": "lstm", "hidden": 128, "embed": 32, "epochs": 40},
    "autokey": {"cell": "lstm", "hidden": 256, "embed": 32, "epochs": 40},
    "progressive": {"cell": "lstm", "hidden": 256, "embed": 32, "epochs": 30},
}
VAL_MESSAGE = 100  # validation also deciphers its text cut into messages of this many characters


@dataclass(frozen=True)
class StreamOptions:
    epochs: int = 40  # passes over the training text (an upper bound with target_accuracy)
    columns: int = 64  # columns side by side, each len(train text) / columns long (a batch)
    k1: int = 50  # an update after every k1 characters ...
    k2: int = 50  # ... backpropagated through the last k2: the longest piece a gradient sees
    segment: int = 100  # new messages may start only every `segment` characters ...
    restart: float = 1.0  # ... with this mean probability (1: every message is one segment)
    noise: float = 0.02  # fraction of training characters replaced by random ones (0: none)
    lr: float = 1e-2  # Adam learning rate of the first epoch ...
    lr_end: float = 1e-4  # ... falling along a cosine to this in the last
    clip: float | None = 1.0  # gradient norm clipping threshold; None turns it off
    target_accuracy: float | None = None  # stop once validation accuracy reaches it ...
    patience: int = 3  # ... in this many epochs running
    seed: int = 0  # initialisation and the epochs' text
    device: str = "cpu"  # "cpu" or "cuda"

    def __post_init__(self) -> None:
        whole = ("epochs", "columns", "k1", "k2", "segment", "patience")
        small = [n for n in whole if getattr(self, n) < 1]
        checks = [
            (not small, f"{', '.join(small)} must be at least 1"),
            (self.k1 <= self.k2 <= self.segment,
             f"need k1 <= k2 <= segment; got {self.k1}, {self.k2}, {self.segment}"),
            (0 <= self.restart <= 1, f"restart is a probability in [0, 1], got {self.restart}"),
            (0 <= self.noise < 1, f"noise is a fraction in [0, 1), got {self.noise}"),
            (all(v > 0 and math.isfinite(v) for v in (self.lr, self.lr_end)),
             f"lr and lr_end must be positive numbers, got {self.lr} and {self.lr_end}"),
            (self.clip is None or self.clip > 0, f"clip must be positive, got {self.clip}"),
            (self.target_accuracy is None or 0 < self.target_accuracy <= 1,
             f"target accuracy is a fraction in (0, 1], got {self.target_accuracy}; "
             "write 1.0 for 100%"),
        ]  # fmt: skip
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def lr_at(self, epoch: int) -> float:
        """The learning rate of `epoch` (0-based): lr, falling along a cosine to lr_end."""
        frac = epoch / max(self.epochs - 1, 1)
        return self.lr_end + 0.5 * (self.lr - self.lr_end) * (1 + math.cos(math.pi * frac))

    def to_json(self) -> dict:
        return {"mode": "stream", **asdict(self)}

    @classmethod
    def from_json(cls, d: dict) -> StreamOptions:
        return cls(**{k: v for k, v in d.items() if k != "mode"})


@dataclass
class StreamData:
    """A corpus for stream training: contiguous training, validation and test texts, the cipher
    and the vocabularies (both sides folded to lowercase when the cipher keeps case)."""

    train_text: str
    val_text: str
    test_text: str
    cipher: Cipher
    src_vocab: Vocab
    tgt_vocab: Vocab
    fold_case: bool
    source: dict = field(default_factory=dict)  # where the data came from, for config.json

    def message(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """`text` enciphered as one message from the key's start: cipher ids and plain ids,
        both (len(text),) int64. The vocabularies must cover it (parts of the corpus do)."""
        norm = fold if self.fold_case else (lambda s: s)
        ciph = norm(self.cipher.encrypt(text))
        return self.src_vocab.encode(ciph), self.tgt_vocab.encode(norm(text))

    def messages(self, text: str, length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`text` cut into messages of `length` characters (None: one message), each enciphered
        from the key's start: cipher ids and plain ids, (N, L) padded with 0."""
        n = length or max(len(text), 1)
        pairs = [self.message(text[i : i + n]) for i in range(0, len(text), n)]
        return pad([s for s, _ in pairs]), pad([t for _, t in pairs])

    def epoch_columns(
        self, opts: StreamOptions, epoch: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One epoch's messages laid end to end in B = opts.columns columns: cipher ids and
        plain ids, both (B, T), and where messages start, (B, T // segment) bool (see above).

        T is the largest multiple of opts.segment that B columns fill; all depends only on
        (opts.seed, epoch). Column b draws a rate uniformly from the widest interval in [0, 1]
        whose mean is opts.restart, and starts a new message at each later segment boundary
        with that probability: with restart = 1 every message is one segment, below it message
        lengths range from one segment to a whole column. A fraction opts.noise of the plain
        characters is first replaced by characters drawn uniformly from the plain vocabulary, so
        rare ones (digits, z, q) turn up often and the text is less predictable.
        """
        columns, segment = opts.columns, opts.segment
        text, n = self.train_text, len(self.train_text)
        T = n // columns // segment * segment
        if T < 1:
            raise DataError(
                f"{n:,} training characters cannot fill {columns} columns of {segment}; "
                "give a longer corpus or fewer columns (--batch-size)"
            )
        rng = np.random.default_rng([opts.seed, epoch])
        offset = int(rng.integers(n))
        ring = text[offset:] + text[:offset]
        if opts.noise > 0:
            codes = code_points(ring).copy()  # (n,)
            hit = rng.random(n) < opts.noise
            pool = code_points("".join(self.tgt_vocab.chars))
            codes[hit] = pool[rng.integers(len(pool), size=int(hit.sum()))]
            ring = from_code_points(codes)
        lo, hi = max(0.0, 2 * opts.restart - 1), min(1.0, 2 * opts.restart)
        rate = lo + (hi - lo) * rng.random((columns, 1))  # (B, 1), mean opts.restart
        starts = rng.random((columns, T // segment)) < rate  # (B, S)
        starts[:, 0] = True
        src = np.zeros((columns, T), dtype=np.int64)
        tgt = np.zeros((columns, T), dtype=np.int64)
        for b in range(columns):
            cuts = [*(np.flatnonzero(starts[b]) * segment), T]
            for i, j in zip(cuts[:-1], cuts[1:]):
                src[b, i:j], tgt[b, i:j] = self.message(ring[b * T + i : b * T + j])
        return src, tgt, starts


def stream_dataset(
    text: str, cipher: Cipher, *, fractions: tuple[float, float] = (0.9, 0.05), source=None
) -> StreamData:
    """`text` cut in three contiguous parts: the first fractions[0] to train on, the next
    fractions[1] to validate, the rest to test."""
    n = len(text)
    a, b = int(n * fractions[0]), int(n * (fractions[0] + fractions[1]))
    if min(a, b - a, n - b) < 1_000:
        raise DataError(
            f"the corpus has {n:,} characters; stream training needs at least 1,000 in each of "
            "its training, validation and test parts, so give a longer text"
        )
    cipher_text = cipher.encrypt(text)
    fold_case = case_follows([(cipher_text, text)])
    norm = fold if fold_case else (lambda s: s)
    # a message may start anywhere, so any letter can turn up in the cipher text: the source
    # vocabulary holds the whole alphabet (in the cases the text uses) besides what was seen
    cases = (string.ascii_lowercase, string.ascii_uppercase)
    letters = "".join(a for a in cases if any(c in text for c in a))
    src, tgt = Vocab.fit([norm(cipher_text), norm(letters)]), Vocab.fit([norm(text)])
    info = {"cipher": cipher.name, "key": cipher.key_str, **(source or {})}
    return StreamData(text[:a], text[a:b], text[b:], cipher, src, tgt, fold_case, info)


@torch.inference_mode()
def evaluate_messages(
    model: nn.Module, batches: list[tuple[np.ndarray, np.ndarray]], device: str = "cpu"
) -> Metrics:
    """Loss, character accuracy and whole-message accuracy of `model` over batches of messages
    (src, tgt), each (N, L) with 0 as padding, every message read from a zero state."""
    was_training = model.training
    model.eval()
    loss_sum, right, chars, whole, count = 0.0, 0, 0, 0, 0
    for src, tgt in batches:
        s, t = torch.from_numpy(src).to(device), torch.from_numpy(tgt).to(device)
        logits, _ = model(s)  # (N, L, V)
        real = t != 0
        n = int(real.sum())
        loss_sum += float(masked_cross_entropy(logits, t)) * n
        hit = (logits.argmax(-1) == t) & real
        right, chars = right + int(hit.sum()), chars + n
        whole, count = whole + int((hit | ~real).all(dim=1).sum()), count + len(src)
    model.train(was_training)
    if chars == 0:
        return Metrics(float("nan"), float("nan"), float("nan"), 0)
    return Metrics(loss_sum / chars, right / chars, whole / count, chars)


def stream_recipe(cipher: str, **given) -> tuple[dict, StreamOptions]:
    """Model sizes (for ModelConfig) and StreamOptions for `cipher`: its recipe in
    STREAM_RECIPES, overridden by the non-None options in `given` (ModelConfig's or
    StreamOptions' field names)."""
    recipe = {**STREAM_RECIPES["default"], **STREAM_RECIPES.get(cipher, {})}
    recipe.update({k: v for k, v in given.items() if v is not None})
    sizes = {k: recipe.pop(k) for k in ("cell", "hidden", "embed", "layers") if k in recipe}
    return sizes, StreamOptions(**recipe)


def _keep(state, keep: torch.Tensor):
    """`state` (a tensor (layers, B, H), an LSTM's pair of them, or None) with the rows of the
    columns where `keep` (B,) is False set to zero: those columns start a new message."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(_keep(s, keep) for s in state)
    return state * keep.to(state.dtype)[None, :, None]


def fit_stream(
    model: nn.Module,
    data: StreamData,
    opts: StreamOptions,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    start_epoch: int = 0,
    callback: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> History:
    """Train `model` in place on `data`'s epochs with tbptt(k1, k2) and validate after each on
    the validation text, deciphered as one message and as messages of VAL_MESSAGE characters.
    Reports "step" events (one per update) and "epoch" events (with the metrics) to `callback`;
    `should_stop` is asked between epochs. An epoch depends only on (seed, epoch), so a run
    resumed at an epoch with the saved optimizer takes the same steps."""
    model.to(opts.device).train()
    opt = optimizer or torch.optim.Adam(model.parameters(), lr=opts.lr)
    history = History(epoch=start_epoch)
    notify = callback or (lambda e: None)
    stop = should_stop or (lambda: False)
    val = [data.messages(data.val_text), data.messages(data.val_text, VAL_MESSAGE)]
    updates = math.ceil(opts.segment / opts.k1)  # per segment
    now = {"epoch": start_epoch, "steps": 0, "done": 0, "loss": float("nan"), "seconds": 0.0}
    hits = 0

    def on_step(s: TBPTTStep) -> None:
        if not math.isfinite(s.loss):
            raise TrainingError(
                f"the loss became {s.loss} at epoch {now['epoch'] + 1}; "
                "lower the learning rate (--lr) or keep gradient clipping on (--clip)"
            )
        now["loss"], now["seconds"] = s.loss, now["seconds"] + s.seconds
        step = now["done"] + s.update
        notify(Event("step", now["epoch"], step, now["steps"], s.loss, now["seconds"]))

    for epoch in range(start_epoch, opts.epochs):
        if stop():
            history.stopped, history.epoch = "interrupted", epoch
            break
        src, tgt, starts = data.epoch_columns(opts, epoch)  # (B, T), (B, T), (B, S)
        src, tgt = torch.from_numpy(src).to(opts.device), torch.from_numpy(tgt).to(opts.device)
        keep = torch.from_numpy(~starts).to(opts.device)  # (B, S): columns that go on
        now.update(epoch=epoch, steps=starts.shape[1] * updates, done=0)
        for group in opt.param_groups:
            group["lr"] = opts.lr_at(epoch)
        state = None
        for j in range(starts.shape[1]):
            cols, state = slice(j * opts.segment, (j + 1) * opts.segment), _keep(state, keep[:, j])
            state = tbptt(model, src[:, cols], tgt[:, cols], masked_cross_entropy, opt, opts.k1,
                          opts.k2, state=state, on_step=on_step, clip=opts.clip)  # fmt: skip
            now["done"] += updates
        m = evaluate_messages(model, val, device=opts.device)
        record = {
            "epoch": epoch + 1,
            "step": now["steps"],
            "train_loss": now["loss"],
            "val_loss": m.loss,
            "val_char_accuracy": m.char_accuracy,
            "val_line_accuracy": m.line_accuracy,
            "train_seconds": now["seconds"],
        }
        history.records.append(record)
        history.epoch = epoch + 1
        steps = now["steps"]
        notify(Event("epoch", epoch, steps, steps, now["loss"], now["seconds"], m, record))
        reached = opts.target_accuracy is not None and m.char_accuracy >= opts.target_accuracy
        hits = hits + 1 if reached else 0
        if hits >= opts.patience:
            history.stopped = "target"
            break
    history.train_seconds = now["seconds"]
    return history


def train_stream_decipherer(
    data: StreamData,
    mcfg: ModelConfig,
    opts: StreamOptions,
    out: Path | None,
    *,
    callback: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train a decipherer on `data` as streams, saving the run to `out` after every epoch and at
    the end, with config["data"]["stream"] = True so that decoding carries the state through
    text of any length. With resume=True, `out` must hold a run saved with its optimizer state;
    training goes on from the saved epoch and, with the same options, ends at the same weights.
    """
    t0 = time.perf_counter()
    torch.manual_seed(opts.seed)
    model = build_model(mcfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=opts.lr)
    start = 0
    if resume and out is not None:
        model.load_state_dict(checkpoint.load_run(out).model.state_dict())
        start = checkpoint.load_resume_state(out, optimizer)[0]
    sizes = {"train": len(data.train_text), "val": len(data.val_text), "test": len(data.test_text)}
    config = {
        "task": "decipher",
        "fold_case": data.fold_case,
        "data": {**data.source, "stream": True, "max_len": opts.k2, **sizes},
        "training": opts.to_json(),
    }
    records: list[dict] = checkpoint.read_history(out) if resume and out is not None else []

    def save(position: int | None) -> None:
        if out is None:
            return
        checkpoint.save_run(out, model, mcfg, data.src_vocab, data.tgt_vocab, config, records)
        if position is None:
            checkpoint.clear_resume_state(out)
        else:
            checkpoint.save_resume_state(out, optimizer, position, 0)

    def on_event(e: Event) -> None:
        if e.record is not None:
            records.append(e.record)
        if e.kind == "epoch":
            save(e.epoch + 1)
        if callback:
            callback(e)

    if out is not None:
        checkpoint.prepare_dir(out)
    history = fit_stream(
        model,
        data,
        opts,
        optimizer=optimizer,
        start_epoch=start,
        callback=on_event,
        should_stop=should_stop,
    )
    save(None if history.stopped != "interrupted" else history.epoch)
    if out is not None and records:
        from rnnlab.plots import training_curve

        training_curve(out / "training.png", records)
    test = [data.messages(data.test_text), data.messages(data.test_text, VAL_MESSAGE)]
    test_acc = evaluate_messages(model, test, device=opts.device).char_accuracy
    val_acc = records[-1]["val_char_accuracy"] if records else float("nan")
    elapsed = time.perf_counter() - t0
    return TrainResult(out, model, history, val_acc, test_acc, count_parameters(model), elapsed)
