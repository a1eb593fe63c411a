"""Reproduce the character language model shipped in src/rnnlab/data (crack_lm.*).

Trains on the built-in corpus with fixed options, seed and one CPU thread, so a rerun on the
same Python (whose bundled documentation is the corpus) and torch gives the same weights:

    .venv/bin/python scripts/train_lm.py            # about two minutes on 2 cores
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from rnnlab.crack._corpus import training_text
from rnnlab.crack.lm import SHIPPED, LMConfig
from rnnlab.crack.lm_train import LMTrainOptions, save_lm, train_lm

CONFIG = LMConfig(embed=16, hidden=128)
OPTIONS = LMTrainOptions(epochs=10, batch=64, bptt=32, lr=5e-3, seed=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("src/rnnlab/data"))
    parser.add_argument("--epochs", type=int, default=OPTIONS.epochs)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    opts = LMTrainOptions(**{**OPTIONS.__dict__, "epochs": args.epochs})

    def report(r: dict) -> None:
        print(
            f"epoch {r['epoch']:2d}  train {r['train_bpc']:.3f}  val {r['val_bpc']:.3f} bits/char"
            f"  ({r['seconds']:.0f} s)",
            flush=True,
        )

    model, history = train_lm(training_text(), CONFIG, opts, report)
    args.out.mkdir(parents=True, exist_ok=True)
    extra = {
        "training": opts.__dict__,
        "corpus": "rnnlab.text.corpus.default_text()",
        "final_val_bpc": history[-1]["val_bpc"],
        "script": "scripts/train_lm.py",
    }
    save_lm(model, CONFIG, args.out / SHIPPED[0], args.out / SHIPPED[1], extra)
    print(f"wrote {args.out / SHIPPED[0]} and {args.out / SHIPPED[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
