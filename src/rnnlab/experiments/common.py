"""What every experiment shares: the Result it returns, the progress callback, summaries written
atomically, quartiles, and pinning numpy's BLAS and torch to one thread while it runs.

Not here: any experiment's maths or figures (those live in the experiment modules and plots.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnnlab.errors import InputError
from rnnlab.fileio import atomic_write_text

Progress = Callable[[float, str], None]  # (fraction done in [0, 1], what is running now)

CELLS = ("rnn", "gru", "lstm")  # the recurrent cells the experiments compare, in plot order


@dataclass
class Result:
    """What an experiment found: its verdict, the numbers that carry it, and the files written."""

    name: str  # vanishing | memory | tbptt
    quick: bool  # whether this was the --quick run
    seed: int  # the seed every random draw derives from
    verdict: list[str]  # one line per claim tested, in words
    numbers: dict[str, float]  # the verdict-bearing numbers, by name (see each module's run())
    files: list[Path] = field(default_factory=list)  # CSV, PNG and summary.md, in that order
    seconds: float = 0.0  # wall time of the whole run


class Follow:
    """A trainer callback for an experiment: counts the pieces trained, keeps `metric` of the
    last validation's Metrics, and reports each validation as "{what} N, {label} value"."""

    def __init__(self, report, epochs: int, what: str, label: str, metric, digits: int) -> None:
        self.report, self.epochs, self.what, self.label = report, epochs, what, label
        self.metric, self.digits = metric, digits
        self.pieces, self.value = 0, float("nan")

    def __call__(self, e) -> None:
        self.pieces += e.kind == "step"
        if e.metrics is not None:
            self.value = self.metric(e.metrics)
            done = self.pieces / (self.epochs * e.steps_per_epoch)
            self.report(
                done, f"{self.what} {self.pieces}, {self.label} {self.value:.{self.digits}f}"
            )


def no_progress(fraction: float, message: str) -> None:
    """The progress callback used when none is given."""


def prepare_out(out: str | Path) -> Path:
    """The output folder, created if missing; an InputError if it is a file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder with --out")
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_summary(path: Path, title: str, lines: Sequence[str]) -> Path:
    """A short markdown file: `# title`, then the given lines (markdown, one per line)."""
    return atomic_write_text(path, f"# {title}\n\n" + "\n".join(lines).rstrip() + "\n")


def quartiles(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 25th, 50th and 75th percentiles of `values` along `axis` (NaN-free input)."""
    q = np.percentile(np.asarray(values, dtype=np.float64), [25, 50, 75], axis=axis)
    return q[0], q[1], q[2]


def sci(x: float, digits: int = 2) -> str:
    """A number for a summary: 0.167, 3.1e+28, 4.2e-05, or inf."""
    if not math.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits + 1}g}"


# --- one thread -------------------------------------------------------------------------------
# Small matrices (64 x 64) run fastest on one thread; two BLAS threads on two shared cores run
# 5-10x slower. OPENBLAS_NUM_THREADS is read only when numpy loads, so we call the OpenBLAS that
# numpy's wheels bundle directly (what threadpoolctl does in general); elsewhere this is a no-op.

_SETTERS = (
    "scipy_openblas_{}_num_threads64_",
    "openblas_{}_num_threads64_",
    "openblas_{}_num_threads",
)


@functools.cache
def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    root = Path(np.__file__).parent
    for lib in [*sorted(root.parent.glob("numpy.libs/*openblas*")), *root.glob(".dylibs/*blas*")]:
        try:
            handle = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for pattern in _SETTERS:
            get, set_ = (getattr(handle, pattern.format(v), None) for v in ("get", "set"))
            if get is not None and set_ is not None:
                return get, set_
    return None


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the body with numpy's OpenBLAS (when found) and torch (when loaded) on one thread."""
    blas = _openblas()
    torch = sys.modules.get("torch")
    old_blas = blas[0]() if blas else None
    old_torch = torch.get_num_threads() if torch else None
    try:
        if blas:
            blas[1](1)
        if torch:
            torch.set_num_threads(1)
        yield
    finally:
        if blas and old_blas:
            blas[1](int(old_blas))
        if torch and old_torch:
            torch.set_num_threads(old_torch)
