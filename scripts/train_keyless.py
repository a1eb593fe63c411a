"""Reproduce the key-agnostic decipherers shipped in src/rnnlab/data (keyless_caesar,
keyless_affine): bidirectional GRUs trained through the one trainer (rnnlab.nn.jobs) on the
built-in corpus's phrases under random keys.

Fixed options, seed and one CPU thread make a rerun on the same Python and torch give the same
weights, bit for bit:

    .venv/bin/python scripts/train_keyless.py caesar affine --out /tmp/keyless
    .venv/bin/python scripts/train_keyless.py caesar affine      # replaces the shipped runs
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

from rnnlab.nn import jobs, recipes

STEPS = {"caesar": 1200, "affine": 2000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("families", nargs="+", choices=sorted(STEPS))
    parser.add_argument("--out", type=Path, default=Path("src/rnnlab/data"))
    parser.add_argument("--steps", type=int, default=None, help="override the step count")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for family in args.families:
        config = recipes.keyless_config(family, steps=args.steps or STEPS[family])

        def report(e, f=family) -> None:
            if e.kind == "step" and (e.step % 100 == 0 or e.step == e.steps_per_epoch):
                print(f"{f} step {e.step:5d}  loss {e.loss:.3f}", flush=True)

        out = args.out / f"keyless_{family}"
        if out.exists():
            shutil.rmtree(out)
        jobs.train_run(config, out, report)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
