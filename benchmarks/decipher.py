"""Deciphering throughput and memory: real characters per second and peak memory on a 10 MB
text, through the library and through `rnnlab decipher -i FILE`.

    python benchmarks/decipher.py [--quick] [--model NAME=RUN ...] [--mb 10] [--repeats 3]
                                  [--threads 2] [--sequential-mb 1]

Without --model, trains on the built-in corpus first, side by side, the two models `rnnlab
train --cipher caesar` can give: `perchar` (the default; no context, so deciphered by one table
lookup a character) and `char` (the GRU, run over phrases side by side). Peak memory is the
process's peak resident set size (VmHWM), the text included. --quick: 0.2 MB, one repeat, two
epochs of training (the test suite runs it).

Each model reads the built-in corpus, repeated to the size asked, enciphered with its own run's
cipher and key. A stream model that deciphers in windows side by side (runs.Run.period) is also
measured sequentially (`--sequential`), on the first --sequential-mb of the text (a rate is a
rate; the whole text would take minutes), with the share of characters on which both agree.
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
from rnnlab.text.ciphers import make_cipher  # noqa: E402
from rnnlab.text.corpus import default_text  # noqa: E402


def make_text(mb: float, run_dir: Path) -> str:
    """The corpus repeated to `mb` million characters, enciphered as one message by the run's
    cipher."""
    c = load_run(run_dir).config.cipher  # None for a run trained on pairs: Caesar 3 then
    n = int(mb * 1_000_000)
    base = default_text()
    cipher = make_cipher(c.name, c.key) if c else make_cipher("caesar", "3")
    return cipher.encrypt((base * (n // len(base) + 1))[:n])


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


def library(run_dir: Path, text: str, repeats: int, sequential: bool = False) -> dict:
    dec = Decipherer.from_run(load_run(run_dir), sequential=sequential)
    dec.decipher(text[:100_000])  # warm up
    rates, out = [], ""
    for _ in range(repeats):
        t0 = time.perf_counter()
        s = dec.stream(confidence=False)
        parts = [s.feed(text[i : i + (1 << 20)])[0] for i in range(0, len(text), 1 << 20)]
        out = "".join(parts) + s.close()[0]
        rates.append(len(text) / (time.perf_counter() - t0))
    how = ", sequential" if sequential else ""
    return {"path": f"library (Decipherer.stream, 1 MiB chunks{how})",
            "chars_per_s": median(rates), "peak_rss_mb": _hwm_kb() / 1024, "output": out}


def cli(run_dir: Path, path: Path, n_chars: int, repeats: int, threads: int | None,
        sequential: bool = False) -> dict:  # fmt: skip
    rates, peaks = [], []
    for _ in range(repeats):
        cmd = [sys.executable, "-c",
               "import sys;from rnnlab.cli import main;rc=main(sys.argv[1:]);"
               "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
               "sys.stderr.write(f'PEAK {hwm}\\n');sys.exit(rc)",
               "decipher", "--model", str(run_dir), "-i", str(path)]  # fmt: skip
        if threads:
            cmd += ["--threads", str(threads)]
        if sequential:
            cmd += ["--sequential"]
        t0 = time.perf_counter()
        p = subprocess.run(
            cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        rates.append(n_chars / (time.perf_counter() - t0))
        peaks.append(int(p.stderr.rsplit("PEAK ", 1)[1].split()[0]) / 1024)
    how = " --sequential" if sequential else ""
    return {"path": f"CLI (rnnlab decipher -i FILE{how}, process start included)",
            "chars_per_s": median(rates), "peak_rss_mb": max(peaks)}  # fmt: skip


def measure(name: str, run_dir: Path, folder: Path, a: argparse.Namespace) -> list[dict]:
    """One model's rows: library and CLI; for a windowed stream model also both sequentially,
    on a prefix, with the share of characters where windows and sequence agree."""
    text = make_text(a.mb, run_dir)
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    rows = [library(run_dir, text, a.repeats), cli(run_dir, path, len(text), a.repeats, a.threads)]
    if load_run(run_dir).period is not None:
        prefix = text[: int(a.sequential_mb * 1_000_000)]
        (folder / "prefix.txt").write_text(prefix, encoding="utf-8")
        seq = library(run_dir, prefix, 1, sequential=True)
        both = rows[0]["output"][: len(prefix)], seq["output"]
        rows[0]["agree"] = f"{sum(x == y for x, y in zip(*both)) / max(len(prefix), 1):.4%}"
        rows += [seq, cli(run_dir, folder / "prefix.txt", len(prefix), 1, a.threads, True)]
    return [{"model": name, **r, "M_chars_per_s": r["chars_per_s"] / 1e6} for r in rows]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", action="append", default=[], help="NAME=RUN (repeatable)")
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--sequential-mb", type=float, default=1.0)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if bad := [m for m in a.model if "=" not in m]:
        ap.error(f"--model takes NAME=RUN, e.g. --model perchar={bad[0]}")
    if a.quick:
        a.mb, a.repeats, a.sequential_mb = 0.2, 1, 0.05
    if a.threads:
        torch.set_num_threads(a.threads)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        given = {n: Path(r) for n, r in (m.split("=", 1) for m in a.model)}
        models = given or {m: train_default(Path(d), m, a.quick) for m in ("perchar", "char")}
        for name, run_dir in models.items():
            rows += measure(name, run_dir, Path(d), a)
    for r in rows:
        r.pop("output", None)
    report(
        "decipher",
        rows,
        ["model", "path", "M_chars_per_s", "peak_rss_mb", "agree"],
        {"mb": a.mb, "quick": a.quick, "target_M_chars_per_s": 3.0},
    )


if __name__ == "__main__":
    main()
