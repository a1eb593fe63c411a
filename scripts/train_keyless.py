"""Reproduce the key-agnostic decipherers shipped in src/rnnlab/data (keyless_caesar.*,
keyless_affine.*): bidirectional GRUs trained on the built-in corpus's phrases under random keys.

Fixed options, seed and one CPU thread make a rerun on the same Python and torch give the same
weights:

    .venv/bin/python scripts/train_keyless.py caesar affine     # a few minutes on 2 cores
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from rnnlab.crack.keyless import KeylessConfig, save_keyless, train_keyless
from rnnlab.text.corpus import default_text, phrases

CONFIGS = {
    "caesar": KeylessConfig(family="caesar", steps=1200),
    "affine": KeylessConfig(family="affine", steps=2000),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("families", nargs="+", choices=sorted(CONFIGS))
    parser.add_argument("--out", type=Path, default=Path("src/rnnlab/data"))
    parser.add_argument("--steps", type=int, default=None, help="override the step count")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    texts = phrases(default_text(), max_len=60, min_len=20)
    for family in args.families:
        cfg = CONFIGS[family]
        if args.steps:
            cfg = KeylessConfig(**{**cfg.__dict__, "steps": args.steps})
        model = train_keyless(
            texts,
            cfg,
            lambda s, loss, f=family: print(f"{f} step {s:5d}  loss {loss:.3f}", flush=True),
        )
        w = args.out / f"keyless_{family}.safetensors"
        save_keyless(model, cfg, w, args.out / f"keyless_{family}.json")
        print(f"wrote {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
