"""What every training command shares: torch's threads and device from the options, Ctrl-C and
SIGTERM turned into a request to stop, a progress bar fed by the trainer's events, and the exit
after an interruption. Printing only; the training is rnnlab.nn.jobs'.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import typer

from rnnlab.cli._app import Stopped, echo
from rnnlab.errors import InputError


def threads(n: int | None) -> None:
    import torch

    if n is not None:
        if n < 1:
            raise InputError(f"--threads must be at least 1, got {n}")
        torch.set_num_threads(n)


def device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda asked for, but no CUDA device is available; use cpu")
    if name not in ("cpu", "cuda"):
        raise InputError(f"unknown device {name!r}; use auto, cpu or cuda")
    return name


@contextmanager
def stop_on_signals(asked: list[int]):
    """Turn Ctrl-C and SIGTERM into a polite request to stop; yields a function to poll.
    The signals received are appended to `asked`; a second one stops at once."""

    def handler(signum, frame):
        if asked:  # a second Ctrl-C: stop at once (atomic writes keep the last checkpoint)
            raise Stopped(signum)
        asked.append(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(asked)
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def with_progress(job: Callable, signals: list[int], show: bool = True):
    """job(callback, should_stop) with a progress bar on stderr (unless not `show`) and the
    signals turned into a request to stop."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not show:
        with stop_on_signals(signals) as stop:
            return job(None, stop)
    bar = Progress(
        TextColumn("[bold]epoch {task.fields[epoch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}  val acc {task.fields[acc]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with bar, stop_on_signals(signals) as stop:
        task = bar.add_task("train", total=None, epoch=1, loss=float("nan"), acc="-")

        def on_event(e) -> None:
            if e.kind == "step":
                bar.update(task, completed=e.step, total=e.steps_per_epoch, epoch=e.epoch + 1,
                           loss=e.loss)  # fmt: skip
            elif e.metrics is not None:
                bar.update(task, acc=f"{e.metrics.char_accuracy:.4%}")

        return job(on_event, stop)


def exit_if_interrupted(res, signals: list[int], out: Path, say=echo) -> None:
    """After Ctrl-C or SIGTERM: say where the checkpoint is and exit with 128 + the signal."""
    if res.history.stopped != "interrupted":
        return
    name = signal.Signals(signals[0]).name if signals else "a request to stop"
    say(f"Interrupted by {name}; saved a checkpoint. Continue with: rnnlab train --resume {out}")
    raise typer.Exit(128 + (signals[0] if signals else signal.SIGINT))


def side_by_side(rows: list[tuple[str, str, str]], width: int = 48) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(show_lines=False, box=None, padding=(0, 1))
    for name in ("cipher", "deciphered", "truth"):
        t.add_column(name, overflow="fold", max_width=width)
    for c, d, p in rows:
        t.add_row(c, d + ("" if d == p else " [red]x[/red]"), p)
    Console().print(t)
