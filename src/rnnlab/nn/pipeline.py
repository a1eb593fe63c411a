"""From texts to a saved run: the data preparation and training job behind `rnnlab train` and
`rnnlab demo`. Not here: the training loop itself (train.py) or anything printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from rnnlab.errors import DataError
from rnnlab.nn import checkpoint, distributed
from rnnlab.nn.models import ModelConfig, build_model, count_parameters
from rnnlab.nn.train import Event, History, TrainOptions, evaluate, fit
from rnnlab.text import corpus as corpus_mod
from rnnlab.text.ciphers import Cipher
from rnnlab.text.pairs import PairData, case_follows, encode_pairs, make_pairs
from rnnlab.text.vocab import Vocab

# Training recipes: what each model gets unless the user says otherwise.
RECIPES: dict[str, dict] = {
    # the published recipe of the assignment's model: Adam 1e-3, batch 32, 5 epochs
    "seed": {"lr": 1e-3, "batch_size": 32, "epochs": 5, "clip": None},
    # ours: a high learning rate on length-grouped batches, stopped at the target accuracy
    "char": {"lr": 5e-2, "batch_size": 256, "epochs": 30, "clip": 1.0},
}
DEFAULT_SIZES: dict[str, dict] = {"seed": {"hidden": 64}, "char": {"hidden": 32, "embed": 32}}

Pair = tuple[str, str]


@dataclass
class Dataset:
    """(cipher, plain) pairs split three ways, their vocabularies and id matrices."""

    train_pairs: list[Pair]
    val_pairs: list[Pair]
    test_pairs: list[Pair]
    src_vocab: Vocab
    tgt_vocab: Vocab
    fold_case: bool
    source: dict = field(default_factory=dict)  # where the data came from, for config.json

    def encode(self, pairs: list[Pair]) -> PairData:
        return encode_pairs(pairs, self.src_vocab, self.tgt_vocab, self.fold_case)

    @property
    def max_len(self) -> int:
        return max((len(p) for _, p in self.train_pairs), default=1)


def dataset_from_pairs(
    pairs: list[Pair], val_fraction: float = 0.2, source: dict | None = None
) -> Dataset:
    """The classic exercise's split: the first (1 - val_fraction) train, the rest validate."""
    pairs = [p for p in pairs if p[0]]
    if len(pairs) < 2:
        raise DataError("need at least 2 non-empty pairs of lines to train and validate")
    n_val = max(1, round(len(pairs) * val_fraction))
    return _dataset(pairs[:-n_val], pairs[-n_val:], [], source or {})


def dataset_from_text(
    text: str,
    cipher: Cipher,
    *,
    max_len: int = 100,
    seed: int = 0,
    limit: int | None = None,
    source: dict | None = None,
) -> Dataset:
    """Phrases of `text` (at most max_len characters), enciphered, split 80/10/10 by `seed`."""
    phrases = corpus_mod.phrases(text, max_len=max_len)
    if limit is not None:
        phrases = phrases[:limit]
    if len(phrases) < 10:
        raise DataError(
            f"the corpus gives only {len(phrases)} phrases; give a longer text (a few pages)"
        )
    train, val, test = corpus_mod.split(make_pairs(phrases, cipher), seed=seed)
    src = {"cipher": cipher.name, "key": cipher.key_str, **(source or {})}
    return _dataset(train, val, test, src)


def _dataset(train: list[Pair], val: list[Pair], test: list[Pair], source: dict) -> Dataset:
    everything = train + val + test
    fold = case_follows(everything)
    norm = (lambda s: s.lower()) if fold else (lambda s: s)
    src = Vocab.fit(norm(c) for c, _ in everything)
    tgt = Vocab.fit(norm(p) for _, p in everything)
    return Dataset(train, val, test, src, tgt, fold, source)


def model_config(kind: str, ds: Dataset, **sizes) -> ModelConfig:
    """The model for `ds`'s vocabularies, default sizes overridden by non-None `sizes`."""
    given = {k: v for k, v in sizes.items() if v is not None}
    return ModelConfig(
        kind=kind,
        src_vocab=ds.src_vocab.size,
        tgt_vocab=ds.tgt_vocab.size,
        **{**DEFAULT_SIZES.get(kind, {}), **given},
    )


def train_options(kind: str, **given) -> TrainOptions:
    """The model's recipe, overridden by the options the user gave (non-None)."""
    return TrainOptions(**{**RECIPES[kind], **{k: v for k, v in given.items() if v is not None}})


@dataclass
class TrainResult:
    run_dir: Path | None
    model: torch.nn.Module
    history: History
    val_accuracy: float
    test_accuracy: float | None
    parameters: int
    wall_seconds: float


def train_decipherer(
    ds: Dataset,
    mcfg: ModelConfig,
    opts: TrainOptions,
    out: Path | None,
    *,
    callback: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train a decipherer on `ds`, saving the run to `out` at each epoch end and at the end.

    With resume=True, `out` must hold a run saved with its optimizer state; training continues
    from the saved position and, with the same options, ends at the same weights.
    """
    t0 = time.perf_counter()
    torch.manual_seed(opts.seed)
    model = build_model(mcfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=opts.lr)
    start = (0, 0)
    if resume and out is not None:
        run = checkpoint.load_run(out)
        model.load_state_dict(run.model.state_dict())
        start = checkpoint.load_resume_state(out, optimizer)
    train, val = ds.encode(ds.train_pairs), ds.encode(ds.val_pairs)
    config = {
        "task": "decipher",
        "fold_case": ds.fold_case,
        "data": {
            **ds.source,
            "max_len": ds.max_len,
            "train": len(ds.train_pairs),
            "val": len(ds.val_pairs),
            "test": len(ds.test_pairs),
        },
        "training": opts.to_json(),
    }

    def save(history_records: list[dict], position: tuple[int, int] | None) -> None:
        if out is None or not distributed.is_main():
            return
        checkpoint.save_run(out, model, mcfg, ds.src_vocab, ds.tgt_vocab, config, history_records)
        if position is None:
            checkpoint.clear_resume_state(out)
        else:
            checkpoint.save_resume_state(out, optimizer, *position)

    records: list[dict] = checkpoint.read_history(out) if resume and out is not None else []

    def on_event(e: Event) -> None:
        if e.record is not None:
            records.append(e.record)
        if e.kind == "epoch":
            save(records, (e.epoch + 1, 0))
        if callback:
            callback(e)

    if out is not None and distributed.is_main():
        checkpoint.prepare_dir(out)
    history = fit(
        model,
        train,
        val,
        opts,
        optimizer=optimizer,
        start=start,
        callback=on_event,
        should_stop=should_stop,
    )
    done = history.stopped != "interrupted"
    save(records, None if done else (history.epoch, history.step))
    if out is not None and records and distributed.is_main():
        from rnnlab.plots import training_curve

        training_curve(out / "training.png", records)
    test_acc = None
    if ds.test_pairs:
        test_acc = evaluate(model, ds.encode(ds.test_pairs), device=opts.device).char_accuracy
    val_acc = records[-1]["val_char_accuracy"] if records else float("nan")
    return TrainResult(
        out, model, history, val_acc, test_acc, count_parameters(model), time.perf_counter() - t0
    )
