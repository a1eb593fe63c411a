"""The experiments that put the assignment's claims to the test: vanishing, memory, tbptt,
architecture.

Each module has run(quick, seed, out, progress) -> Result and writes a CSV of every plotted
number, a PNG and summary.md. Modules load on demand: memory, tbptt and architecture import torch.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from rnnlab.errors import InputError
from rnnlab.experiments.common import Progress, Result

EXPERIMENTS = ("vanishing", "memory", "tbptt", "architecture")

__all__ = ["EXPERIMENTS", "Progress", "Result", "run_experiment"]


def run_experiment(
    name: str,
    quick: bool = False,
    seed: int = 0,
    out: str | Path | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run experiment `name`, writing into `out` (default runs/experiments/NAME)."""
    if name not in EXPERIMENTS:
        raise InputError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    module = importlib.import_module(f"rnnlab.experiments.{name}")
    return module.run(quick=quick, seed=seed, out=out, progress=progress)
