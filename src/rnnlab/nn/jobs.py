"""From a RunConfig to a saved run, for every kind: prepare its data, train it with the one
trainer, save it after every epoch, resume it, test it; and scoring a run on pairs files. The
jobs behind `rnnlab train`, `demo`, `lm train` and `evaluate`. Not here: the loop (train.py),
the files (runs.py), anything printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from rnnlab.errors import InputError, ModelFileError, TrainingError
from rnnlab.nn import datasets, distributed, runfile, runs
from rnnlab.nn.config import RunConfig
from rnnlab.nn.data import PhraseBatches, Piece, TrainData, phrase_data
from rnnlab.nn.models import build_model, count_parameters
from rnnlab.nn.runs import Vocabs
from rnnlab.nn.streams import StreamBatches, stream_dataset
from rnnlab.nn.train import Event, History, evaluate, fit, make_optimizer
from rnnlab.text.augment import CHARS
from rnnlab.text.ciphers import make_cipher


@dataclass
class Prepared:
    """A run's data, ready to train on: the config with the vocabularies' sizes filled in."""

    config: RunConfig
    data: TrainData
    test: list[Piece] = field(default_factory=list)  # [] when the kind has no test data
    vocabs: Vocabs | None = None
    stats: dict = field(default_factory=dict)  # the data's sizes, for config.json and messages
    dataset: object = None  # datasets.Dataset or streams.StreamData, for a decipherer


@dataclass
class TrainResult:
    run_dir: Path | None
    model: torch.nn.Module
    history: History
    val_accuracy: float
    test_accuracy: float | None
    parameters: int
    wall_seconds: float
    prepared: Prepared


def prepare(config: RunConfig) -> Prepared:
    """Read the data of `config` and lay it out for the trainer."""
    if distributed.launched() and (config.kind != "decipher" or config.data.stream):
        raise InputError("only phrase training runs under torchrun; start it without torchrun")
    t, d = config.training, config.data
    if config.kind == "lm":
        return Prepared(
            config, datasets.lm_data(datasets.corpus_text(d), t.batch_size, t.k1, t.segment)
        )
    if config.kind == "keyless":
        from rnnlab.text.corpus import phrases

        texts = phrases(datasets.corpus_text(d), max_len=d.max_len, min_len=20)
        data = datasets.keyless_data(texts, config.cipher.name, t.batch_size, t.steps, t.seed)
        return Prepared(config, data)
    cipher = make_cipher(config.cipher.name, config.cipher.key) if config.cipher else None
    if d.stream:
        extra = CHARS if t.augment else ""
        ds = stream_dataset(datasets.corpus_text(d), cipher, extra=extra, letters=d.letters)
        data = TrainData(StreamBatches(ds, t), ds.pieces(ds.val_text))
        test, max_len = ds.pieces(ds.test_text), t.k2 or t.k1
        sizes = {"train": len(ds.train_text), "val": len(ds.val_text), "test": len(ds.test_text)}
    else:
        ds = datasets.phrase_dataset(d, cipher, t.seed, t.augment)
        val = ds.encode(ds.val_pairs)
        data = phrase_data(ds.encode(ds.train_pairs), val, t.batch_size, t.seed, t.group_by_length)
        test = PhraseBatches(ds.encode(ds.test_pairs), 1024, None).epoch(0) if ds.test_pairs else []
        max_len = ds.max_len
        half = 2 if ds.augmented else 1  # the phrases, without their augmented copies
        sizes = {"train": len(ds.train_pairs) // half, "val": len(ds.val_pairs) // half,
                 "test": len(ds.test_pairs), "augmented": ds.augmented}  # fmt: skip
    vocabs = Vocabs(ds.src_vocab, ds.tgt_vocab, ds.fold_case, max_len)
    model = replace(config.model, src_vocab=ds.src_vocab.size, tgt_vocab=ds.tgt_vocab.size)
    return Prepared(replace(config, model=model), data, test, vocabs, sizes, ds)


def train_run(
    config: RunConfig,
    out: Path | None,
    callback: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    resume: bool = False,
    prepared: Prepared | None = None,
    figure_later: bool = False,
) -> TrainResult:
    """Train the run of `config`, saving it to `out` at every epoch's end and at the end.

    With resume=True, `out` must hold a run saved with its optimizer state; training continues
    from the saved position and, with the same options, ends at the same weights. With
    figure_later, training.png is drawn by a process of its own, started as the run is saved
    (about a second later; matplotlib is not imported here).
    """
    t0 = time.perf_counter()
    p = prepared or prepare(config)
    torch.manual_seed(config.training.seed)
    model = build_model(p.config.model).to(config.training.device)
    optimizer = make_optimizer(model, config.training)
    start, records = _resume(out, p, model, optimizer) if resume else ((0, 0), [])
    prior = list(records)
    writes = out is not None and distributed.is_main()

    def on_event(e: Event) -> None:
        if e.record is not None:
            records.append(e.record)
        if e.kind == "epoch" and writes:
            _save(out, p, model, records, optimizer, (e.epoch + 1, 0))
        if callback:
            callback(e)

    if writes:
        runs.prepare_dir(out)
    try:
        history = fit(model, p.data, config.training, on_event, should_stop, optimizer=optimizer,
                      start=start, prior=prior)  # fmt: skip
    except TrainingError as e:
        raise TrainingError(f"{e}; {kept(out)}") from None
    if writes:
        done = history.stopped != "interrupted"
        _save(out, p, model, records, optimizer, None if done else (history.epoch, history.step))
        if records and figure_later:
            _draw_later(out)
        elif records:
            from rnnlab.plots import training_curve

            training_curve(out / "training.png", records)
    dev = config.training.device
    test_acc = evaluate(model, p.test, device=dev).char_accuracy if p.test else None
    val_acc = records[-1]["val_char_accuracy"] if records else float("nan")
    elapsed = time.perf_counter() - t0
    return TrainResult(out, model, history, val_acc, test_acc, count_parameters(model), elapsed, p)


def _draw_later(out: Path) -> None:
    """Start `python -m rnnlab.plots OUT` detached: it draws OUT/training.png from history.csv
    (atomically) after this process has moved on or ended."""
    import subprocess
    import sys

    _DRAWING.append(subprocess.Popen(
        [sys.executable, "-m", "rnnlab.plots", str(out)], start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ))  # fmt: skip


_DRAWING: list = []  # the figure processes started, held so that none is dropped while running


def _save(out: Path, p: Prepared, model, records, optimizer, position) -> None:
    """The run as it stands, with its resume state at `position` (None: finished)."""
    runs.save_run(out, p.config, model, p.vocabs, records, p.stats)
    if position is None:
        runs.clear_resume_state(out)
    else:
        runs.save_resume_state(out, optimizer, *position)


def _resume(out: Path, p: Prepared, model, optimizer) -> tuple[tuple[int, int], list[dict]]:
    """Load the interrupted run in `out` into `model` and `optimizer`: (position, records).
    The data must be what the run was trained on."""
    run = runs.load_run(out)
    if run.config.model != p.config.model or run.vocabs != p.vocabs:
        raise ModelFileError(
            f"the data of {out} changed since it was interrupted (its corpus or vocabulary is "
            "not the same), so it cannot resume: train again with a new --out"
        )
    model.load_state_dict(run.model.state_dict())
    return runs.load_resume_state(out, optimizer), runfile.read_history(out)


def resume_config(out: Path, given: dict | None = None) -> RunConfig:
    """The RunConfig of the interrupted run in `out`, which must be able to resume; `given`
    are options the user gave beside it (by name, None where not given), refused: a resumed run
    goes on as it was configured."""
    stored = runfile.read_config(runfile.check_folder(out, (runfile.CONFIG,)))
    if runfile.resume_position(out) is None:
        raise ModelFileError(
            f"{out} has nothing to resume (no {runfile.OPTIMIZER}): the run finished or was never "
            "interrupted; start a new run with --out"
        )
    extra = [f"--{k.replace('_', '-')}" for k, v in (given or {}).items() if v is not None]
    if extra:
        raise InputError(f"--resume goes on as {out} was configured; drop {', '.join(extra)}")
    if stored.version == 1:
        raise ModelFileError(
            f"{out} was interrupted under rnnlab 0.1.0 (run format 1), whose batches were drawn "
            "differently, so it cannot resume to the same weights: train again with a new --out "
            "(its model deciphers as it is)"
        )
    if stored.config.training.device == "cuda" and not torch.cuda.is_available():
        raise InputError(f"{out} trained on cuda and no CUDA device is available here")
    return stored.config


def resume_run(
    out: Path, callback: Callable[[Event], None] | None = None, should_stop=None
) -> TrainResult:
    """Go on training the interrupted run in `out`, as it was configured."""
    return train_run(resume_config(out), out, callback, should_stop, resume=True)


def describe(p: Prepared) -> str:
    """What is about to be trained, in a few words: "char on 1,433 pairs (validation 179)"."""
    c, t, m = p.config, p.config.training, p.config.model
    aug = t.augment  # 0 for pairs (recipes.decipher_config) and for other kinds of run
    if c.kind == "decipher" and not c.data.stream:
        half = f"; each also augmented at {aug}" if aug else ""
        return f"{m.kind} on {p.stats['train']:,} pairs (validation {p.stats['val']:,}{half})"
    net = f"{m.cell.upper()} {m.hidden}"
    if c.kind == "keyless":
        return f"a keyless {net} x2 across every {c.cipher.name} key, {t.steps:,} steps"
    what = "a language model" if c.kind == "lm" else "char"
    unit = "letters (the rest passed through)" if c.data.letters else "characters"
    on = (f"{p.stats['train']:,} {unit} enciphered as {c.cipher.name} messages"
          if c.kind == "decipher" else "the corpus as one stream")  # fmt: skip
    extra = (f", augmented at {aug}" if aug else "") + (
        f", {t.offset:.0%} from a random key offset" if t.offset else "")  # fmt: skip
    return (f"{what} ({net}) on {on}{extra}, {t.batch_size} side by side, "
            f"TBPTT({t.k1}, {t.k2 or t.k1}), {t.epochs} epochs")  # fmt: skip


def kept(out: Path | None) -> str:
    """Which checkpoint survives a training failure in `out`."""
    at = runfile.resume_position(out) if out is not None else None
    if at is None:
        return f"no checkpoint was saved in {out}" if out else "nothing was saved"
    return (
        f"the last good checkpoint ({at[0]} epochs and {at[1]} steps in) is kept in {out}; "
        "train again with a lower --lr"
    )


def evaluate_pairs(run: runs.Run, pairs: list[tuple[str, str]]) -> dict:
    """Real-character accuracy and whole-line exact match of a decipherer on (cipher, plain)
    pairs, deciphered as the decoder deciphers a file: all lines as one text."""
    from rnnlab.nn.decode import Decipherer

    got = Decipherer.from_run(run).decipher("\n".join(c for c, _ in pairs)).split("\n")
    total = sum(len(p) for _, p in pairs)
    right = sum(sum(a == b for a, b in zip(d, p)) for d, (_, p) in zip(got, pairs))
    lines = sum(d == p for d, (_, p) in zip(got, pairs))
    return {"char_accuracy": right / max(total, 1), "line_accuracy": lines / max(len(pairs), 1),
            "pairs": len(pairs), "characters": total}  # fmt: skip
