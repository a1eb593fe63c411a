"""Training the character language model: one long text as a stream, truncated BPTT with the
hidden state carried across chunks, saved as a run (safetensors weights, JSON config, CSV
history). Not the scorer: lm.py evaluates the saved weights without torch.

Torch is imported here; this module is loaded only to train.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from rnnlab.crack.lm import FORMAT, FORMAT_VERSION, VOCAB_SIZE, LMConfig, encode
from rnnlab.errors import DataError, InputError
from rnnlab.fileio import atomic_write_bytes, atomic_write_csv, atomic_write_json


@dataclass(frozen=True)
class LMTrainOptions:
    """How to train; validated in one place."""

    epochs: int = 12  # passes over the training stream
    batch: int = 32  # parallel streams
    bptt: int = 64  # k1 = k2: steps per chunk, and how far gradients reach back
    lr: float = 3e-3  # Adam learning rate
    clip: float = 1.0  # gradient norm clipping threshold
    val_fraction: float = 0.05  # the stream's tail held out to measure bits per character
    seed: int = 0  # torch and numpy seed: same text, options and threads give the same weights

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch < 1 or self.bptt < 2:
            raise InputError("epochs and batch must be >= 1 and bptt >= 2")
        if not (self.lr > 0 and self.clip > 0 and 0 < self.val_fraction < 0.5):
            raise InputError("lr and clip must be positive and val_fraction in (0, 0.5)")


class CharLMModule(nn.Module):
    """Embedding -> GRU -> Linear over model ids; batch first. Names match LMConfig's tensors."""

    def __init__(self, cfg: LMConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab, cfg.embed)
        self.gru = nn.GRU(cfg.embed, cfg.hidden, batch_first=True)
        self.out = nn.Linear(cfg.hidden, cfg.vocab)

    def forward(
        self, x: torch.Tensor, state: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T) ids, state (1, B, H) or None -> logits (B, T, V), new state (1, B, H)."""
        h, state = self.gru(self.embed(x), state)
        return self.out(h), state


def batchify(ids: np.ndarray, batch: int) -> torch.Tensor:
    """Cut a stream into `batch` parallel streams, read down the columns in training:

        stream a b c d e f g h i j k l   batch=3 ->  [[a b c d],
                                                       [e f g h],
                                                       [i j k l]]   (batch, steps)
    Chunk t of the training loop is columns [t*bptt, (t+1)*bptt); row b continues row b's
    previous chunk, so the hidden state carries over. Tail symbols that do not fill a row are
    dropped."""
    steps = len(ids) // batch
    if steps < 2:
        raise DataError(f"the text is too short to train on ({len(ids)} symbols); give more text")
    return torch.from_numpy(ids[: steps * batch].reshape(batch, steps).astype(np.int64))


Report = Callable[[dict], None]  # one record per epoch: epoch, train_bpc, val_bpc, seconds


def train_lm(
    text: str,
    cfg: LMConfig | None = None,
    opts: LMTrainOptions | None = None,
    report: Report | None = None,
) -> tuple[CharLMModule, list[dict]]:
    """Train a character language model on `text` as one stream; returns it and its history."""
    cfg, opts = cfg or LMConfig(), opts or LMTrainOptions()
    if cfg.hidden < 1 or cfg.embed < 1:
        raise InputError(f"hidden and embed must be >= 1; got {cfg.hidden}, {cfg.embed}")
    torch.manual_seed(opts.seed)
    ids = encode(text)
    n_val = max(int(len(ids) * opts.val_fraction), opts.bptt + 1)
    if len(ids) - n_val < 4 * opts.batch:
        raise DataError(f"the text is too short to train on ({len(ids)} symbols); give more text")
    train, val = batchify(ids[:-n_val], opts.batch), batchify(ids[-n_val:], 1)
    model = CharLMModule(cfg)
    optim = torch.optim.Adam(model.parameters(), lr=opts.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, T_max=opts.epochs)
    history = []
    for epoch in range(1, opts.epochs + 1):
        t0 = time.monotonic()
        train_nats = run_stream(model, train, opts.bptt, optim, opts.clip)
        val_nats = run_stream(model, val, opts.bptt)
        sched.step()
        rec = {
            "epoch": epoch,
            "train_bpc": train_nats / math.log(2),
            "val_bpc": val_nats / math.log(2),
            "seconds": time.monotonic() - t0,
        }
        if not math.isfinite(rec["train_bpc"]):
            from rnnlab.errors import TrainingError

            raise TrainingError("the loss became non-finite; lower --lr")
        history.append(rec)
        if report:
            report(rec)
    return model, history


def run_stream(
    model: CharLMModule,
    data: torch.Tensor,
    bptt: int,
    optim: torch.optim.Optimizer | None = None,
    clip: float = 1.0,
) -> float:
    """One pass over batchified data (B, S) in chunks of `bptt`, state carried and detached:
    truncated BPTT(k1 = k2 = bptt). Trains when `optim` is given. Mean loss in nats per symbol."""
    model.train(optim is not None)
    state = None
    total, count = 0.0, 0
    with torch.set_grad_enabled(optim is not None):
        for i in range(0, data.shape[1] - 1, bptt):
            x = data[:, i : min(i + bptt, data.shape[1] - 1)]  # (B, T)
            y = data[:, i + 1 : i + 1 + x.shape[1]]  # (B, T): the next symbols
            logits, state = model(x, state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB_SIZE), y.reshape(-1))
            if optim is not None:
                optim.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), clip)
                optim.step()
            state = state.detach()
            total += float(loss.detach()) * y.numel()
            count += y.numel()
    return total / max(count, 1)


def save_lm(
    model: CharLMModule,
    cfg: LMConfig,
    weights: Path,
    config: Path,
    extra: dict | None = None,
) -> None:
    """Write the weights (safetensors, float32) and the config (JSON), each atomically."""
    from safetensors.torch import save

    tensors = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(weights, save(tensors, metadata={"format": FORMAT}))
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": asdict(cfg)}
    meta["vocab"] = "a-z, one space for whitespace runs, one symbol for anything else"
    meta.update(extra or {})
    atomic_write_json(config, meta)


def save_lm_run(
    path: Path, model: CharLMModule, cfg: LMConfig, opts: LMTrainOptions, history: list[dict]
) -> Path:
    """A run folder: model.safetensors, config.json (with the options) and history.csv."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} exists and is not a folder; choose another --out")
    path.mkdir(parents=True, exist_ok=True)
    save_lm(
        model,
        cfg,
        path / "model.safetensors",
        path / "config.json",
        {"training": asdict(opts), "final_val_bpc": history[-1]["val_bpc"] if history else None},
    )
    cols = ["epoch", "train_bpc", "val_bpc", "seconds"]
    atomic_write_csv(path / "history.csv", cols, [[r[c] for c in cols] for r in history])
    return path
