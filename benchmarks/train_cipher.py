"""Training speed on the classic exercise's task: time to 95%, 99% and 100.00% real-character
validation accuracy and training throughput, for `seed` (the published recipe) and `char`.

    python benchmarks/train_cipher.py [--seeds 3] [--models seed,char] [--threads 2] [--cli]

10,000 classic-style phrases (Caesar shift 3), first 80% train, last 20% validate. Times count
training steps only (validation excluded); --cli also times `rnnlab train` to 100% end to end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import median, report  # noqa: E402

from rnnlab.nn.models import build_model  # noqa: E402
from rnnlab.nn.pipeline import dataset_from_pairs, model_config, train_options  # noqa: E402
from rnnlab.nn.train import fit  # noqa: E402
from rnnlab.text.classic import write_pairs  # noqa: E402
from rnnlab.text.pairs import read_pairs  # noqa: E402

TARGETS = (0.95, 0.99, 1.0)
COLUMNS = ("model", "seeds", "to_0.95_s", "to_0.99_s", "to_1.00_s", "final_acc", "chars_per_s",
           "train_s")  # fmt: skip


def one(kind: str, ds, seed: int) -> dict:
    train, val = ds.encode(ds.train_pairs), ds.encode(ds.val_pairs)
    torch.manual_seed(seed)
    model = build_model(model_config(kind, ds))
    every = 10 if kind == "char" else 50
    opts = train_options(
        kind, seed=seed, eval_every=every, target_accuracy=1.0 if kind == "char" else None
    )
    t0 = time.perf_counter()
    steps_per_epoch = [1]

    def on_event(e):
        steps_per_epoch[0] = e.steps_per_epoch

    h = fit(model, train, val, opts, callback=on_event)
    wall = time.perf_counter() - t0
    row = {"model": kind, "seed": seed, "final_acc": h.records[-1]["val_char_accuracy"],
           "train_s": h.train_seconds, "wall_s": wall}  # fmt: skip
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
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    with tempfile.TemporaryDirectory() as d:
        plain, cipher = write_pairs(Path(d), n=10_000, shift=3, seed=0)
        ds = dataset_from_pairs(read_pairs(plain, cipher))
        rows = [one(k, ds, s) for k in a.models.split(",") for s in range(a.seeds)]
        summary = []
        for k in a.models.split(","):
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
