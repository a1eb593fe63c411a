"""Command: `rnnlab experiment NAME`, one of the experiments behind docs/experiments.md.

Parses, runs the experiment with a progress bar on stderr, prints the verdict and the files
written. The experiments themselves live in rnnlab.experiments.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from rnnlab.cli._app import app, echo
from rnnlab.errors import InputError


@app.command("experiment")
def experiment_command(
    name: str = typer.Argument(
        ..., metavar="NAME", help="vanishing | memory | tbptt | architecture."
    ),
    quick: bool = typer.Option(False, "--quick", help="A small version that runs in seconds."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for the CSV, PNG and summary.md (default runs/experiments/NAME).",
    ),
    seed: int = typer.Option(0, "--seed", help="The seed every random draw derives from."),
) -> None:
    """Run an experiment that tests one of the assignment's claims; write CSV, PNG and verdict.

    \b
      vanishing  ||dh_t/dh_0|| of tanh RNN, GRU, LSTM beside W_hh's radius
      memory     RNN, GRU, LSTM on the adding problem and a long-lag recall
      tbptt      truncated BPTT(k1, k2) against a known lag: accuracy, cost
      architecture  no context, CNN, GRU, bidirectional GRU on Caesar and Vigenere
    The full runs take a few minutes on 2 cores; --quick runs in seconds.
    """
    from rnnlab.experiments import EXPERIMENTS, run_experiment

    if name not in EXPERIMENTS:
        raise InputError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    if seed < 0:
        raise InputError(f"--seed must be 0 or more; got {seed}")

    with _progress(enabled=sys.stderr.isatty()) as report:
        result = run_experiment(name, quick=quick, seed=seed, out=out, progress=report)
    mode = "quick run" if quick else "full run"
    echo(f"{name} ({mode}, seed {seed}) in {result.seconds:.1f} s")
    for line in result.verdict:
        echo(f"- {line}")
    echo("wrote " + ", ".join(str(p) for p in result.files))


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[float, str], None] | None]:
    """A progress bar on stderr, fed (fraction, message) by the experiment; off when not a tty."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (BarColumn(bar_width=30), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(
        *columns, TextColumn("{task.description}"), console=Console(stderr=True), transient=True
    ) as bar:
        task = bar.add_task("loading", total=1.0)
        yield lambda fraction, message: bar.update(task, completed=fraction, description=message)
