"""Experiment `tbptt`: a GRU learns to recall the input of L steps ago from a stream, trained
with truncated BPTT(k1, k2) for k2 below and above L and with full BPTT; final accuracy and
training time per 1,000 stream steps against k2. Training goes through the one trainer
(rnnlab.nn.train.fit), each piece by rnnlab.nn.tbptt.
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
    Follow,
    Progress,
    Result,
    no_progress,
    one_thread,
    prepare_out,
    write_summary,
)
from rnnlab.experiments.tasks import IGNORE, delayed_stream
from rnnlab.fileio import atomic_write_csv
from rnnlab.nn.config import TrainOptions
from rnnlab.nn.data import Generated, Piece, TrainData
from rnnlab.nn.tbptt import RecurrentReadout, tbptt_cost
from rnnlab.nn.train import fit

NAME = "tbptt"
SYMBOLS = 2  # the stream is random bits, so chance accuracy is 1/2
HIDDEN = 32  # GRU units
LR = 1e-2  # Adam; gradients clipped to norm 1
TARGET = 0.99  # training stops once validation accuracy reaches this


@dataclass(frozen=True)
class Settings:
    lag: int  # L: the target at step t is the input at step t - L
    equal: tuple[int, ...]  # k of the TBPTT(k, k) runs
    k1: int  # the fixed k1 of the TBPTT(k1, k2) runs ...
    k2s: tuple[int, ...]  # ... and their k2 (> k1)
    pieces: int  # at most this many training pieces per configuration
    piece: int = 128  # steps per piece; each starts from a zero state; full BPTT: k1 = k2 = piece
    batch: int = 32  # parallel streams per piece
    eval_every: int = 10  # pieces between validations
    validation: int = 256  # validation streams of `piece` steps


FULL = Settings(lag=8, equal=(2, 4, 8, 9, 12, 16, 32), k1=4, k2s=(8, 12, 16, 24), pieces=80)
QUICK = Settings(lag=4, equal=(2, 8), k1=2, k2s=(8,), pieces=30, piece=64, eval_every=10)


def stream_model() -> RecurrentReadout:
    """nn.GRU(SYMBOLS, HIDDEN) and a Linear readout to SYMBOLS logits per step."""
    return RecurrentReadout(nn.GRU(SYMBOLS, HIDDEN, batch_first=True), nn.Linear(HIDDEN, SYMBOLS))


def _piece(n: int, cfg: Settings, rng: np.random.Generator) -> Piece:
    """n streams of cfg.piece one-hot bits (n, piece, SYMBOLS) and their targets (n, piece)."""
    ids, targets = delayed_stream(n, cfg.piece, cfg.lag, SYMBOLS, rng)
    return Piece(np.eye(SYMBOLS, dtype=np.float32)[ids], targets)


def _loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the steps of one update: output (B, k, V), target (B, k)."""
    return F.cross_entropy(output.reshape(-1, SYMBOLS), target.reshape(-1), ignore_index=IGNORE)


def train_one(k1: int, k2: int, cfg: Settings, seed: int, report) -> dict:
    """Train a fresh GRU with TBPTT(k1, k2) on fresh pieces until TARGET or cfg.pieces."""
    torch.manual_seed(seed)  # every configuration starts from the same weights
    model = stream_model()
    rng = np.random.default_rng([seed, k1, k2])
    val = [_piece(cfg.validation, cfg, np.random.default_rng([seed, 99]))]
    pieces = Generated(lambda r: _piece(cfg.batch, cfg, r), cfg.pieces, rng)
    opts = TrainOptions(epochs=1, lr=LR, clip=1.0, k1=k1, k2=k2, segment=cfg.piece,
                        target_accuracy=TARGET, eval_every=cfg.eval_every, seed=seed)  # fmt: skip
    follow = Follow(report, 1, "piece", "accuracy", lambda m: m.char_accuracy, 3)
    history = fit(model, TrainData(pieces, val, _loss), opts, follow)
    steps = follow.pieces * cfg.piece
    cost = tbptt_cost(cfg.piece, k1, k2)
    return {
        "accuracy": follow.value,
        "stream_steps": steps,
        "updates": cost.updates * follow.pieces,
        "seconds_per_1000": 1000.0 * history.train_seconds / steps,
        "cell_steps_per_step": cost.per_step,
        "updates_per_1000": 1000.0 * cost.updates / cost.steps,
        "train_seconds": history.train_seconds,
    }


def configurations(cfg: Settings) -> list[tuple[str, int, int]]:
    """(series, k1, k2): the k1 = k2 runs, the fixed-k1 runs, and full BPTT over a piece."""
    runs = [("k1 = k2", k, k) for k in cfg.equal]
    runs += [(f"k1 = {cfg.k1}", cfg.k1, k2) for k2 in cfg.k2s]
    return runs + [("full BPTT", cfg.piece, cfg.piece)]


def run(
    quick: bool = False,
    seed: int = 0,
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run the experiment and write tbptt.csv, tbptt.png and summary.md into `out` (default
    runs/experiments/tbptt).

    numbers: "accuracy/{k1}/{k2}", "seconds_per_1000/{k1}/{k2}", "cell_steps_per_step/{k1}/{k2}"
    for every run (full BPTT is k1 = k2 = piece), and the verdict's summaries: "best_below_lag"
    (the best accuracy of a run with k2 <= L), "worst_covering" (the worst of the runs in which
    every step's gradient reaches L steps back: k2 - k1 >= L) and "full_accuracy".
    """
    started = time.perf_counter()
    cfg = QUICK if quick else FULL
    report = progress or no_progress
    out = prepare_out(out or Path("runs/experiments") / NAME)
    runs = configurations(cfg)
    weights = np.array([2 * k2 / k1 for _, k1, k2 in runs])
    done = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    rows, numbers = [], {}
    with one_thread():
        for j, (series, k1, k2) in enumerate(runs):
            label = f"TBPTT({k1}, {k2})" if series != "full BPTT" else f"full BPTT ({k2} steps)"

            def sub(fraction: float, message: str, j: int = j, label: str = label) -> None:
                report(done[j] + fraction * (done[j + 1] - done[j]), f"{label}: {message}")

            r = train_one(k1, k2, cfg, seed, sub)
            rows.append((series, k1, k2, *r.values()))
            for name in ("accuracy", "seconds_per_1000", "cell_steps_per_step"):
                numbers[f"{name}/{k1}/{k2}"] = r[name]
    L = cfg.lag
    numbers["best_below_lag"] = max(r[3] for r in rows if r[2] <= L)
    numbers["worst_covering"] = min(r[3] for r in rows if r[2] - r[1] >= L)
    numbers["full_accuracy"] = rows[-1][3]
    report(1.0, "writing the figure")
    files = _write(out, cfg, rows)
    verdict = _verdict(cfg, rows, numbers)
    files.append(
        write_summary(
            out / "summary.md",
            "Truncated BPTT: what it costs, what it misses",
            _summary(cfg, seed, quick, rows, verdict),
        )
    )
    return Result(NAME, quick, seed, verdict, numbers, files, time.perf_counter() - started)


HEADER = (
    "series",
    "k1",
    "k2",
    "accuracy",
    "stream_steps",
    "updates",
    "seconds_per_1000",
    "cell_steps_per_step",
    "updates_per_1000",
    "train_seconds",
)


def _write(out: Path, cfg: Settings, rows: list[tuple]) -> list[Path]:
    from rnnlab.plots import Panel, panel_grid

    csv = atomic_write_csv(out / "tbptt.csv", HEADER, rows)
    names = [s for s in dict.fromkeys(r[0] for r in rows) if s != "full BPTT"]
    shared = [r for r in rows if r[0] == "k1 = k2" and r[1] == cfg.k1]  # TBPTT(k1, k1)

    def series(column: int) -> dict:
        out = {}
        for name in names:
            pts = sorted(r for r in rows if r[0] == name) + (shared if name != "k1 = k2" else [])
            pts.sort(key=lambda r: r[2])
            out[f"TBPTT({name})"] = ([r[2] for r in pts], [r[column] for r in pts])
        return out

    full = rows[-1]
    lag = [(cfg.lag, f"lag L = {cfg.lag}")]
    xlabel = "k2 (steps backpropagated)"
    panels = [
        Panel(
            series(3),
            xlabel,
            "validation accuracy",
            "Final accuracy",
            vlines=lag,
            hlines=[(1.0 / SYMBOLS, "chance"), (full[3], f"full BPTT over {full[2]} steps")],
            ylim=(0.4, 1.02),
        ),
        Panel(
            series(6),
            xlabel,
            "seconds per 1,000 stream steps",
            "Measured training time",
            vlines=lag,
            hlines=[(full[6], f"full BPTT over {full[2]} steps")],
        ),
        Panel(
            series(7),
            xlabel,
            "cell steps per stream step",
            "Counted work (fwd + bwd)",
            vlines=lag,
            hlines=[(full[7], f"full BPTT over {full[2]} steps")],
        ),
    ]
    title = (
        f"GRU({HIDDEN}) recalling the bit of {cfg.lag} steps ago; {cfg.batch} streams of "
        f"{cfg.piece} steps per piece, at most {cfg.pieces} pieces"
    )
    png = panel_grid(out / "tbptt.png", panels, ncols=3, title=title, panel_size=(3.8, 3.2))
    return [csv, png]


def _verdict(cfg: Settings, rows: list[tuple], v: dict[str, float]) -> list[str]:
    L, k1 = cfg.lag, cfg.k1
    fixed = sorted(
        (r for r in rows if r[0] == f"k1 = {k1}" or (r[0] == "k1 = k2" and r[1] == k1)),
        key=lambda r: r[2],
    )
    lo, hi = fixed[0], fixed[-1]
    equal = [r for r in rows if r[0] == "k1 = k2"]
    full = rows[-1]
    partial = [r for r in equal if r[2] > L]
    lines = [
        f"Cannot learn dependencies longer than its truncation: holds. With k2 <= L = {L} the "
        f"best accuracy is {v['best_below_lag']:.3f} (chance {1 / SYMBOLS:.2f}); every run whose "
        f"window reaches L steps back from every step (k2 - k1 >= L) scores "
        f"{v['worst_covering']:.3f} or better.",
        f"Cost grows with k2 at fixed k1: TBPTT({k1}, {lo[2]}) {lo[6]:.2f} s and "
        f"TBPTT({k1}, {hi[2]}) {hi[6]:.2f} s per 1,000 steps ({lo[7]:.1f} and {hi[7]:.1f} cell "
        "steps per stream step: about 2 k2 / k1).",
        f"'Cheaper' is partly true: an update costs k2 steps instead of the whole sequence, so "
        "updates come sooner and memory stays bounded; per stream step the work is the same 2 "
        f"cell steps as full BPTT (k1 = k2) or more (k1 < k2). Measured: TBPTT(k, k) "
        f"{min(r[6] for r in equal):.2f}-{max(r[6] for r in equal):.2f} s per 1,000 steps, "
        f"full BPTT {full[6]:.2f} s (small windows pay a fixed cost per update).",
        f"Full BPTT over {full[2]} steps reaches {full[3]:.3f} in {full[4]:,} stream steps: "
        f"{full[5]} long updates. {_fastest(rows, k1)}",
        "'Avoids vanishing gradients' is misleading: truncation does not rescue long-range "
        "terms, it drops them (their gradient is exactly zero beyond k2).",
    ]
    if partial:
        lines.insert(
            1,
            "Above L, k1 = k2 learns only when k is well above L: in TBPTT(k, k) only the last "
            "k - L steps of each window reach their input; "
            + ", ".join(f"TBPTT({r[1]}, {r[2]}) {r[3]:.3f}" for r in partial)
            + ".",
        )
    return lines


def _fastest(rows: list[tuple], k1: int) -> str:
    """Which k1 = k2 run and which k1 < k2 run reached TARGET in the fewest stream steps."""
    done = [r for r in rows if r[3] >= TARGET and r[0] != "full BPTT"]
    best = {
        s: min((r for r in done if r[0] == s), key=lambda r: r[4], default=None)
        for s in ("k1 = k2", f"k1 = {k1}")
    }
    a, b = best["k1 = k2"], best[f"k1 = {k1}"]
    if a is None or b is None:
        return ""
    return (
        f"Learning speed: TBPTT({b[1]}, {b[2]}) reached {TARGET:.0%} in {b[4]:,} stream steps "
        f"({b[9]:.1f} s), the best k1 = k2 run, TBPTT({a[1]}, {a[2]}), in {a[4]:,} ({a[9]:.1f} s)."
    )


def _summary(cfg, seed, quick, rows, verdict) -> list[str]:
    lines = [
        f"`rnnlab experiment tbptt{' --quick' if quick else ''} --seed {seed}`: a GRU({HIDDEN}) "
        f"with a linear readout sees a stream of random bits and must output at step t the bit "
        f"of step t - {cfg.lag}. Training pieces: {cfg.batch} streams of {cfg.piece} steps, each "
        f"from a zero state; Adam {LR:g}, clip 1; at most {cfg.pieces} pieces, stopped at "
        f"{TARGET:.0%} validation accuracy. Time is the driver's own measure (forward, backward, "
        "optimizer step), per 1,000 steps of the batch of streams.",
        "",
        "## Verdict",
        "",
        *[f"- {line}" for line in verdict],
        "",
        "## Runs",
        "",
        "| run | accuracy | stream steps | updates | s per 1,000 steps | cell steps per step | "
        "training s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = f"TBPTT({r[1]}, {r[2]})" if r[0] != "full BPTT" else f"full BPTT ({r[2]})"
        lines.append(
            f"| {name} | {r[3]:.3f} | {r[4]:,} | {r[5]:,} | {r[6]:.2f} | {r[7]:.2f} | {r[9]:.1f} |"
        )
    return lines
