"""Training speed on the classic exercise's task: time to 95%, 99% and 100.00% real-character
validation accuracy and training throughput, for `seed` (the published recipe) and `char`.

    python benchmarks/train_cipher.py [--seeds 3] [--models seed,char] [--threads 2] [--cli]

10,000 classic-style phrases (Caesar shift 3), first 80% train, last 20% validate. Times count
training steps only (validation excluded); --cli also times `rnnlab train` to 100% end to end.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import median, report  # noqa: E402

from rnnlab.nn import recipes  # noqa: E402
from rnnlab.nn.data import PhraseBatches, TrainData  # noqa: E402
from rnnlab.nn.datasets import dataset_from_pairs  # noqa: E402
from rnnlab.nn.models import build_model  # noqa: E402
from rnnlab.nn.train import fit  # noqa: E402
from rnnlab.text.classic import write_pairs  # noqa: E402
from rnnlab.text.pairs import read_pairs  # noqa: E402

TARGETS = (0.95, 0.99, 1.0)
COLUMNS = ("model", "seeds", "to_0.95_s", "to_0.99_s", "to_1.00_s", "final_acc", "chars_per_s",
           "train_s")  # fmt: skip


class FixedBatches(PhraseBatches):
    """rnnlab 0.1.0's batching, for comparison: the same length-sorted batches every epoch, only
    their order shuffled."""

    def epoch(self, epoch: int):
        batches = PhraseBatches(self.data, self.batch_size, None).epoch(0)
        order = np.random.default_rng(self.seed * 100_003 + epoch).permutation(len(batches))
        return [batches[i] for i in order]


BATCHING = {"anew": PhraseBatches, "fixed": FixedBatches,
            "shuffle": lambda *a: PhraseBatches(*a, by_length=False)}  # fmt: skip


def one(kind: str, ds, seed: int, batching: str = "recipe") -> dict:
    train, val = ds.encode(ds.train_pairs), ds.encode(ds.val_pairs)
    every = 10 if kind == "char" else 50
    target = 1.0 if kind == "char" else None
    config = recipes.decipher_config(
        pairs=("plain", "cipher"), model=kind, seed=seed, eval_every=every, target_accuracy=target
    )
    opts = config.training
    sizes = {"src_vocab": ds.src_vocab.size, "tgt_vocab": ds.tgt_vocab.size}
    torch.manual_seed(seed)
    model = build_model(dataclasses.replace(config.model, **sizes))
    if batching == "recipe":
        batching = "anew" if opts.group_by_length else "shuffle"
    batches = BATCHING[batching](train, opts.batch_size, seed)
    data = TrainData(batches, PhraseBatches(val, 1024, None).epoch(0))
    t0 = time.perf_counter()
    steps_per_epoch = [1]

    def on_event(e):
        steps_per_epoch[0] = e.steps_per_epoch

    h = fit(model, data, opts, on_event)
    wall = time.perf_counter() - t0
    row = {"model": f"{kind} ({batching})", "seed": seed, "train_s": h.train_seconds,
           "final_acc": h.records[-1]["val_char_accuracy"], "wall_s": wall}  # fmt: skip
    for t in TARGETS:
        hit = next(
            (r["train_seconds"] for r in h.records if r["val_char_accuracy"] >= t), float("nan")
        )
        row[f"to_{t:.2f}_s"] = hit
    last = h.records[-1]
    epochs_done = last["epoch"] - 1 + last["step"] / steps_per_epoch[0]
    chars = int((train.tgt != 0).sum()) * epochs_done
    row["chars_per_s"] = chars / h.train_seconds
    return row


def cli_time(plain: Path, cipher: Path) -> float:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rnnlab", "train", "--pairs", str(plain), str(cipher),
                        "--target-accuracy", "1.0", "--eval-every", "10", "--out", f"{d}/run"],
                       check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--models", default="seed,char")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--cli", action="store_true", help="also time `rnnlab train` end to end")
    ap.add_argument(
        "--batching",
        default="recipe",
        help="comma-separated: recipe, anew (length groups formed anew each epoch), "
        "fixed (rnnlab 0.1.0: the same groups, reordered) or shuffle (no grouping)",
    )
    ap.add_argument(
        "--pairs", nargs=2, type=Path, metavar=("PLAIN", "CIPHER"),
        help="train on these files instead of 10,000 classic-style phrases",
    )  # fmt: skip
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as d:
        plain, cipher = a.pairs or write_pairs(Path(d), n=10_000, shift=3, seed=0)
        ds = dataset_from_pairs(read_pairs(plain, cipher))
        names = [(k, b) for k in a.models.split(",") for b in a.batching.split(",")]
        rows = [one(k, ds, s, b) for k, b in names for s in range(a.seeds)]
        summary = []
        for k in dict.fromkeys(r["model"] for r in rows):
            rs = [r for r in rows if r["model"] == k]
            medians = {c: median([r[c] for r in rs]) for c in COLUMNS[2:]}
            summary.append({"model": k, "seeds": len(rs), **medians})
        extra = {"runs": rows}
        if a.cli:
            walls = [cli_time(plain, cipher) for _ in range(a.seeds)]
            extra["cli_train_to_100_wall_s"] = walls
            summary.append({"model": "char via `rnnlab train` (wall, command to saved run)",
                            "seeds": len(walls), "train_s": median(walls)})  # fmt: skip
    report("train_cipher", summary, COLUMNS, extra)


if __name__ == "__main__":
    main()
