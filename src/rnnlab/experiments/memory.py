"""Experiment `memory`: vanilla RNN, GRU and LSTM of about equal parameter counts on the adding
problem and on recalling the first character, for a range of lags T; final error against T.
Models are torch's cells; all training goes through the project's one trainer (nn.train.fit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnnlab.experiments.common import (
    CELLS,
    Follow,
    Progress,
    Result,
    no_progress,
    one_thread,
    prepare_out,
    sci,
    write_summary,
)
from rnnlab.experiments.tasks import ADDING_BASELINE, adding_problem, first_symbol_pairs
from rnnlab.fileio import atomic_write_csv
from rnnlab.nn.config import ModelConfig, TrainOptions
from rnnlab.nn.data import Generated, Piece, TrainData, phrase_data
from rnnlab.nn.models import build_model, count_parameters
from rnnlab.nn.tbptt import RecurrentReadout
from rnnlab.nn.train import fit

NAME = "memory"
LABELS = {"rnn": "vanilla RNN (tanh)", "gru": "GRU", "lstm": "LSTM"}
HIDDEN = {"rnn": 57, "gru": 32, "lstm": 27}  # about 3,500 (adding) or 4,400 (recall) parameters
SOLVED = 0.01  # adding problem: MSE under this counts as solved
STOP = 1e-3  # adding problem: training stops once validation MSE is under this
SYMBOLS = 8  # recall task: alphabet size, so chance accuracy is 1/8
EMBED = 8  # recall task: embedding width
ADDING_LR, RECALL_LR = 1e-2, 2e-2  # Adam learning rates; gradients clipped to norm 1
METRICS = {"adding": ("mse", ADDING_BASELINE), "recall": ("accuracy", 1.0 / SYMBOLS)}


@dataclass(frozen=True)
class Settings:
    adding_lengths: tuple[int, ...]  # T of the adding problem
    adding_steps: int  # at most this many Adam steps per (cell, T), batches of `batch`
    recall_lengths: tuple[int, ...]  # T of the recall task (sequences of T + 1 symbols)
    recall_epochs: int  # at most this many passes over the recall training set
    recall_train: int  # recall training sequences (recall_train / batch steps per epoch)
    batch: int = 64  # sequences per step
    eval_every: int = 50  # steps between validations (adding) ...
    recall_eval_every: int = 25  # ... and for the recall task
    validation: int = 1000  # validation sequences


FULL = Settings((10, 50, 100, 200), 500, (10, 30, 100), 10, 3200, validation=500)
QUICK = Settings((20,), 150, (10,), 3, 1600, eval_every=50, validation=500)


def adding_model(kind: str) -> RecurrentReadout:
    """nn.RNN/GRU/LSTM(2, HIDDEN[kind]) and a Linear readout to one number per step."""
    rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](2, HIDDEN[kind], batch_first=True)
    return RecurrentReadout(rnn, nn.Linear(HIDDEN[kind], 1))


def recall_model(kind: str) -> nn.Module:
    """The project's char model: Embedding(9, 8) -> kind(HIDDEN[kind]) -> Linear(9)."""
    cfg = ModelConfig(
        kind="char",
        src_vocab=SYMBOLS + 1,
        tgt_vocab=SYMBOLS + 1,
        hidden=HIDDEN[kind],
        embed=EMBED,
        cell=kind,
    )
    return build_model(cfg)


def _last_step_mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE of the answer after the last step: output (B, T, 1), target (B, T) (last column)."""
    return F.mse_loss(output[:, -1, 0], target[:, -1])


def _adding_piece(x: np.ndarray, y: np.ndarray, T: int) -> Piece:
    """An adding batch as a piece: x (B, T, 2), the answer y (B,) as the last step's target."""
    target = np.zeros((len(x), T), dtype=np.float32)
    target[:, -1] = y
    return Piece(x.astype(np.float32), target)


def train_adding(kind: str, T: int, cfg: Settings, seed: int, report) -> dict:
    """Train on fresh batches of the adding problem with full BPTT (the trainer's step over a
    whole piece: one update per batch); stop early under STOP. Returns the final numbers."""
    torch.manual_seed(seed * 1_000_003 + T * 10 + CELLS.index(kind))
    model = adding_model(kind)
    rng = np.random.default_rng([seed, T, 0])
    val = [_adding_piece(*adding_problem(cfg.validation, T, rng), T)]
    batches = Generated(lambda r: _adding_piece(*adding_problem(cfg.batch, T, r), T),
                        cfg.adding_steps, rng)  # fmt: skip
    opts = TrainOptions(epochs=1, lr=ADDING_LR, clip=1.0, eval_every=cfg.eval_every, seed=seed)
    follow = Follow(report, 1, "step", "validation MSE", lambda m: m.loss, 4)
    history = fit(model, TrainData(batches, val, _last_step_mse), opts, follow,
                  should_stop=lambda: follow.value < STOP)  # fmt: skip
    return {"value": follow.value, "steps": follow.pieces, "seconds": history.train_seconds,
            "params": count_parameters(model)}  # fmt: skip


def train_recall(kind: str, T: int, cfg: Settings, seed: int, report) -> dict:
    """Train the char model with the project's trainer (masked loss: only the last step
    counts), stopping at 99% validation accuracy. Returns the final numbers."""
    torch.manual_seed(seed * 1_000_003 + T * 10 + CELLS.index(kind) + 5)
    model = recall_model(kind)
    rng = np.random.default_rng([seed, T, 1])
    train = first_symbol_pairs(cfg.recall_train, T, SYMBOLS, rng)
    val = first_symbol_pairs(cfg.validation, T, SYMBOLS, rng)
    opts = TrainOptions(
        epochs=cfg.recall_epochs,
        batch_size=cfg.batch,
        lr=RECALL_LR,
        clip=1.0,
        target_accuracy=0.99,
        eval_every=cfg.recall_eval_every,
        seed=seed,
    )
    follow = Follow(report, cfg.recall_epochs, "step", "accuracy", lambda m: m.char_accuracy, 3)
    history = fit(model, phrase_data(train, val, cfg.batch, seed), opts, follow)
    accuracy = history.records[-1]["val_char_accuracy"]
    return {
        "value": accuracy,
        "steps": follow.pieces,
        "seconds": history.train_seconds,
        "params": count_parameters(model),
    }


def run(
    quick: bool = False,
    seed: int = 0,
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run the experiment and write memory.csv, memory.png and summary.md into `out` (default
    runs/experiments/memory).

    numbers: "adding_mse/{cell}/T{T}", "recall_accuracy/{cell}/T{T}", "params_adding/{cell}",
    "params_recall/{cell}", and "gap_length": the longest T at which the GRU solves the adding
    problem (MSE < 0.01) while the vanilla RNN stays near the baseline (MSE > 0.1), or 0.
    """
    started = time.perf_counter()
    cfg = QUICK if quick else FULL
    report = progress or no_progress
    out = prepare_out(out or Path("runs/experiments") / NAME)
    jobs = [("adding", k, T) for T in cfg.adding_lengths for k in CELLS]
    jobs += [("recall", k, T) for T in cfg.recall_lengths for k in CELLS]
    weights = np.array([T * (1 if task == "adding" else 2) for task, _, T in jobs], dtype=float)
    done = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    rows, numbers = [], {}
    with one_thread():
        for j, (task, kind, T) in enumerate(jobs):
            label = f"{'adding problem' if task == 'adding' else 'recall'}, {LABELS[kind]}, T = {T}"

            def sub(fraction: float, message: str, j: int = j, label: str = label) -> None:
                report(done[j] + fraction * (done[j + 1] - done[j]), f"{label}: {message}")

            sub(0.0, "starting")
            r = (train_adding if task == "adding" else train_recall)(kind, T, cfg, seed, sub)
            metric, baseline = METRICS[task]
            row = (task, kind, T, HIDDEN[kind], r["params"], metric, r["value"], baseline)
            rows.append((*row, r["steps"], round(r["seconds"], 2)))
            numbers[f"{task}_{metric}/{kind}/T{T}"] = r["value"]
            numbers[f"params_{task}/{kind}"] = float(r["params"])
    solved = [T for T in cfg.adding_lengths if numbers[f"adding_mse/gru/T{T}"] < SOLVED]
    numbers["gap_length"] = float(
        max((T for T in solved if numbers[f"adding_mse/rnn/T{T}"] > 0.1), default=0)
    )
    report(1.0, "writing the figure")
    files = _write(out, cfg, rows)
    verdict = _verdict(cfg, numbers)
    files.append(
        write_summary(
            out / "summary.md",
            "Long-range memory: RNN, GRU, LSTM",
            _summary(cfg, seed, quick, numbers, rows, verdict),
        )
    )
    return Result(NAME, quick, seed, verdict, numbers, files, time.perf_counter() - started)


def _write(out: Path, cfg: Settings, rows: list[tuple]) -> list[Path]:
    from rnnlab.plots import Panel, panel_grid

    header = (
        "task",
        "cell",
        "T",
        "hidden",
        "parameters",
        "metric",
        "value",
        "baseline",
        "steps",
        "train_seconds",
    )
    csv = atomic_write_csv(out / "memory.csv", header, rows)

    def series(task: str) -> dict:
        return {
            LABELS[k]: (
                [r[2] for r in rows if r[:2] == (task, k)],
                [r[6] for r in rows if r[:2] == (task, k)],
            )
            for k in CELLS
        }

    panels = [
        Panel(
            series("adding"),
            xlabel="T (steps between first marker and answer)",
            ylabel="validation MSE",
            title="Adding problem",
            logx=True,
            logy=True,
            xticks=cfg.adding_lengths,
            hlines=[(ADDING_BASELINE, "predict the mean (MSE 1/6)"), (SOLVED, "solved (MSE 0.01)")],
        ),
        Panel(
            series("recall"),
            xlabel="T (steps between the symbol and its recall)",
            ylabel="validation accuracy",
            title="Recall the first of T + 1 symbols",
            logx=True,
            xticks=cfg.recall_lengths,
            hlines=[(1.0 / SYMBOLS, f"chance (1/{SYMBOLS})")],
            ylim=(0, 1.02),
        ),
    ]
    png = panel_grid(
        out / "memory.png",
        panels,
        ncols=2,
        panel_size=(4.6, 3.4),
        title=f"About equal parameters, one seed; at most {cfg.adding_steps} steps (adding), "
        f"{cfg.recall_epochs * cfg.recall_train // cfg.batch} steps (recall)",
    )
    return [csv, png]


def _verdict(cfg: Settings, v: dict[str, float]) -> list[str]:
    gap = int(v["gap_length"])
    longest = max(cfg.adding_lengths)
    add = lambda k, T: sci(v[f"adding_mse/{k}/T{T}"])  # noqa: E731
    rec = lambda k, T: f"{v[f'recall_accuracy/{k}/T{T}']:.2f}"  # noqa: E731
    lines = []
    if gap:
        lines.append(
            f"GRUs handle long sequences better than vanilla RNNs: holds. At T = {gap} the GRU "
            f"solves the adding problem (MSE {add('gru', gap)}) while the vanilla RNN stays at the "
            f"baseline (MSE {add('rnn', gap)}; predicting the mean gives 0.167)."
        )
    else:
        lines.append("No tested length separates GRU (solved) from vanilla RNN (at baseline).")
    short = min(cfg.adding_lengths)
    rnn_solved = [T for T in cfg.adding_lengths if v[f"adding_mse/rnn/T{T}"] < SOLVED]
    if rnn_solved:
        lines.append(
            f"The vanilla RNN does learn short lags: MSE {add('rnn', max(rnn_solved))} at "
            f"T = {max(rnn_solved)}. Its trouble is distance, not memory as such."
        )
    else:
        lines.append(
            f"Within this budget the vanilla RNN does not reach MSE 0.01 even at T = {short} "
            f"(MSE {add('rnn', short)}, against 0.167 for the mean)."
        )
    at_base = [T for T in cfg.adding_lengths if v[f"adding_mse/rnn/T{T}"] > 0.1]
    if at_base:
        lines[-1] += f" From T = {min(at_base)} on it stays at the baseline."
    if v[f"adding_mse/lstm/T{longest}"] < SOLVED:
        lines.append(f"The LSTM solves T = {longest} too (MSE {add('lstm', longest)}).")
    else:
        lines.append(
            f"The LSTM, gated as well, stays at MSE {add('lstm', longest)} at T = {longest} "
            f"within the same budget (GRU {add('gru', longest)}); Bai et al. 2018 report the same "
            "ordering at T = 600. Gating is not the whole story: here the GRU learns faster."
        )
    T_rec = max(cfg.recall_lengths)
    lines.append(
        f"Recall of the first symbol at T = {T_rec}: GRU {rec('gru', T_rec)}, LSTM "
        f"{rec('lstm', T_rec)}, vanilla RNN {rec('rnn', T_rec)} (chance {1 / SYMBOLS:.3f})."
    )
    return lines


def _summary(cfg, seed, quick, v, rows, verdict) -> list[str]:
    p = {k: (int(v[f"params_adding/{k}"]), int(v.get(f"params_recall/{k}", 0))) for k in CELLS}
    lines = [
        f"`rnnlab experiment memory{' --quick' if quick else ''} --seed {seed}`. One model per "
        "cell and length, one seed. Parameters (adding / recall): "
        + ", ".join(f"{LABELS[k]} {HIDDEN[k]} units {p[k][0]:,} / {p[k][1]:,}" for k in CELLS)
        + ".",
        "",
        f"- Adding problem: fresh batches of {cfg.batch}, full BPTT through the TBPTT driver "
        f"(k1 = k2 = T), Adam {ADDING_LR:g}, clip 1, at most {cfg.adding_steps} steps, stopped "
        f"when validation MSE < {STOP:g}; {cfg.validation} validation sequences.",
        f"- Recall: the trainer (`fit`) on {cfg.recall_train} sequences of T + 1 symbols from "
        f"{SYMBOLS}, loss on the last step only, Adam {RECALL_LR:g}, clip 1, at most "
        f"{cfg.recall_epochs} epochs, stopped at 99% validation accuracy.",
        "",
        "## Verdict",
        "",
        *[f"- {line}" for line in verdict],
        "",
        "## Results",
        "",
        "| task | T | " + " | ".join(LABELS[k] for k in CELLS) + " | baseline |",
        "|---|---|---|---|---|---|",
    ]
    for task in ("adding", "recall"):
        for T in sorted({r[2] for r in rows if r[0] == task}):
            got = {r[1]: r for r in rows if r[0] == task and r[2] == T}
            cells = " | ".join(f"{sci(got[k][6])} ({got[k][8]} steps)" for k in CELLS)
            base = got["gru"][7]
            name = "adding MSE" if task == "adding" else "recall accuracy"
            lines.append(f"| {name} | {T} | {cells} | {sci(base)} |")
    return lines
