"""Reproduce the character language model shipped in src/rnnlab/data/crack_lm.

Trains through the one trainer (rnnlab.nn.jobs) on the built-in corpus with the recipe's
options, seed and one CPU thread, so a rerun on the same Python (whose bundled documentation is
the corpus) and torch gives the same weights, bit for bit:

    .venv/bin/python scripts/train_lm.py --out /tmp/crack_lm    # about 20 s on an idle core
    .venv/bin/python scripts/train_lm.py                          # replaces the shipped run
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

import torch

from rnnlab.nn import jobs, recipes

SHIPPED = Path("src/rnnlab/data/crack_lm")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    config = recipes.lm_config(epochs=args.epochs)

    def report(e) -> None:
        if e.record is not None:
            r = e.record
            print(f"epoch {r['epoch']:2d}  train {r['train_loss'] / math.log(2):.3f}  "
                  f"val {r['val_loss'] / math.log(2):.3f} bits/char", flush=True)  # fmt: skip

    if args.out.exists():
        shutil.rmtree(args.out)
    jobs.train_run(config, args.out, report)
    for extra in ("history.csv", "training.png"):  # the package ships the weights and config
        (args.out / extra).unlink(missing_ok=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
