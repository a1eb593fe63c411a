"""Deciphering throughput and memory: real characters per second and peak memory on a 10 MB
text, through the library and through `rnnlab decipher -i FILE`.

    python benchmarks/decipher.py [--quick] [--model NAME=RUN ...] [--mb 10] [--repeats 3]
                                  [--threads 2]

Without --model, trains on the built-in corpus first, side by side, the two models `rnnlab
train --cipher caesar` can give: `perchar` (the default; no context, so deciphered by one table
lookup a character) and `char` (the GRU, run over phrases side by side). Peak memory is the
process's peak resident set size (VmHWM), the text included. --quick: 0.2 MB, one repeat, two
epochs of training (the test suite runs it).
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

from rnnlab.nn.decode import Decipherer  # noqa: E402
from rnnlab.nn.runs import load_run  # noqa: E402
from rnnlab.text.ciphers import Caesar  # noqa: E402
from rnnlab.text.corpus import default_text  # noqa: E402


def make_text(mb: float) -> str:
    base = Caesar(3).encrypt(default_text())
    n = int(mb * 1_000_000)
    return (base * (n // len(base) + 1))[:n]


def train_default(folder: Path, model: str, quick: bool) -> Path:
    out = folder / model
    more = ["--epochs", "2"] if quick else []
    subprocess.run([sys.executable, "-m", "rnnlab", "train", "--cipher", "caesar", "--key", "3",
                    "--model", model, "--target-accuracy", "1.0", "--out", str(out), *more],
                   check=True, capture_output=True)  # fmt: skip
    return out


def _hwm_kb() -> int:
    """This process's peak resident set size (VmHWM), in kB; reset by exec, unlike ru_maxrss."""
    with open("/proc/self/status", encoding="ascii") as f:
        return int(next(line for line in f if line.startswith("VmHWM")).split()[1])


def library(run_dir: Path, text: str, repeats: int) -> dict:
    dec = Decipherer.from_run(load_run(run_dir))
    dec.decipher(text[:100_000])  # warm up
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        s = dec.stream()
        for i in range(0, len(text), 1 << 20):
            s.feed(text[i : i + (1 << 20)])
        s.close()
        rates.append(len(text) / (time.perf_counter() - t0))
    return {"path": "library (Decipherer.stream, 1 MiB chunks)", "chars_per_s": median(rates),
            "peak_rss_mb": _hwm_kb() / 1024}  # fmt: skip


def cli(run_dir: Path, path: Path, n_chars: int, repeats: int, threads: int | None) -> dict:
    rates, peaks = [], []
    for _ in range(repeats):
        cmd = [sys.executable, "-c",
               "import sys;from rnnlab.cli import main;rc=main(sys.argv[1:]);"
               "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
               "sys.stderr.write(f'PEAK {hwm}\\n');sys.exit(rc)",
               "decipher", "--model", str(run_dir), "-i", str(path)]  # fmt: skip
        if threads:
            cmd += ["--threads", str(threads)]
        t0 = time.perf_counter()
        p = subprocess.run(
            cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        rates.append(n_chars / (time.perf_counter() - t0))
        peaks.append(int(p.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024)
    return {"path": "CLI (rnnlab decipher -i FILE, process start included)",
            "chars_per_s": median(rates), "peak_rss_mb": max(peaks)}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", action="append", default=[], help="NAME=RUN (repeatable)")
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if bad := [m for m in a.model if "=" not in m]:
        ap.error(f"--model takes NAME=RUN, e.g. --model perchar={bad[0]}")
    if a.quick:
        a.mb, a.repeats = 0.2, 1
    if a.threads:
        torch.set_num_threads(a.threads)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        given = {n: Path(r) for n, r in (m.split("=", 1) for m in a.model)}
        models = given or {m: train_default(Path(d), m, a.quick) for m in ("perchar", "char")}
        text = make_text(a.mb)
        path = Path(d) / "cipher.txt"
        path.write_text(text, encoding="utf-8")
        for name, run_dir in models.items():
            for r in (library(run_dir, text, a.repeats),
                      cli(run_dir, path, len(text), a.repeats, a.threads)):  # fmt: skip
                rows.append({"model": name, **r, "M_chars_per_s": r["chars_per_s"] / 1e6})
    report(
        "decipher",
        rows,
        ["model", "path", "M_chars_per_s", "peak_rss_mb"],
        {"mb": a.mb, "quick": a.quick, "target_M_chars_per_s": 3.0},
    )


if __name__ == "__main__":
    main()
