"""Huge input through the command line: peak memory, throughput and time to first output of
`rnnlab encrypt -i FILE` and `rnnlab decipher -i FILE`, on a generated file with newlines and on
one with none at all.

    python benchmarks/huge_input.py [--size 1G] [--decipher-size 64M] [--model RUN]
                                    [--skip encrypt|decipher] [--layout both|newlines|none]

Each command runs as a child process; its peak memory is the child's maximum resident set size
(os.wait4), its throughput the input's size over the child's wall time. The output is read from
a pipe as it comes and counted, so "first output" shows that output is written as produced.
Without --model, a quick run (`rnnlab demo --quick`) is trained first (about 10 s).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import report  # noqa: E402

from rnnlab.text.ciphers import Caesar  # noqa: E402
from rnnlab.text.corpus import default_text  # noqa: E402

BLOCK = 1 << 20
LAYOUTS = {"both": (True, False), "newlines": (True,), "none": (False,)}


def parse_size(s: str) -> int:
    """'1G', '64M', '500K' or a number of bytes."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)B?", s.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {s!r}; write e.g. 1G, 64M or 500K")
    return int(float(m[1]) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m[2]])


def make_file(path: Path, size: int, newlines: bool) -> Path:
    """`size` bytes of Caesar-enciphered English prose (ASCII), with its newlines or none."""
    text = Caesar(3).encrypt(default_text()).encode("ascii", "ignore")
    if not newlines:
        text = text.replace(b"\n", b" ")
    block = (text * (BLOCK // len(text) + 1))[:BLOCK]
    with path.open("wb") as f:
        for _ in range(size // BLOCK):
            f.write(block)
        f.write(block[: size % BLOCK])
    return path


def measure(argv: list[str], size: int) -> dict:
    """Run `rnnlab ARGV`, reading its output as it comes: seconds, peak memory, first output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnlab", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    first, out_bytes = None, 0
    while chunk := os.read(proc.stdout.fileno(), BLOCK):
        if first is None:
            first = time.perf_counter() - t0
        out_bytes += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"rnnlab {' '.join(argv)} failed ({code}): {proc.stderr.read()[-500:]}")
    return {
        "seconds": seconds,
        "mb_per_s": size / 1e6 / seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "first_output_s": first if first is not None else float("nan"),
        "output_ok": out_bytes == size,
    }


def baseline(argv: list[str]) -> float:
    """Peak memory (MB) of the same command on a few bytes: the interpreter and its libraries."""
    proc = subprocess.Popen([sys.executable, "-m", "rnnlab", *argv], stdout=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def quick_model(folder: Path) -> Path:
    out = folder / "demo"
    subprocess.run(
        [sys.executable, "-m", "rnnlab", "demo", "--quick", "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=parse_size, default=parse_size("1G"), help="encrypt input")
    ap.add_argument("--decipher-size", type=parse_size, default=None,
                    help="decipher input (default: --size); it is much slower")  # fmt: skip
    ap.add_argument("--model", type=Path, help="run folder for decipher (default: train one)")
    ap.add_argument("--cipher", default="vigenere", help="cipher for encrypt")
    ap.add_argument("--key", default="LEMON", help="its key")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for decipher")
    ap.add_argument("--skip", choices=["encrypt", "decipher"], help="leave one command out")
    ap.add_argument("--layout", choices=["both", "newlines", "none"], default="both",
                    help="the file with newlines, the one without, or both")  # fmt: skip
    ap.add_argument("--dir", type=Path, help="where to write the input files (default: a temp)")
    args = ap.parse_args()
    dec_size = args.decipher_size or args.size

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        jobs = []
        if args.skip != "encrypt":
            enc = ["encrypt", "-c", args.cipher, "-k", args.key, "-i"]
            jobs.append(("encrypt", enc, args.size))
        if args.skip != "decipher":
            model = args.model or quick_model(folder)
            dec = ["decipher", "-m", str(model), "--threads", str(args.threads), "-i"]
            jobs.append(("decipher", dec, dec_size))
        rows = []
        for name, argv, size in jobs:
            tiny = make_file(folder / "tiny.txt", 64, newlines=True)
            base = baseline([*argv, str(tiny)])
            for newlines in LAYOUTS[args.layout]:
                f = make_file(folder / f"in-{size}-{newlines}.txt", size, newlines)
                row = {"command": name, "mb": size / 1e6, "newlines": newlines}
                row |= measure([*argv, str(f)], size) | {"baseline_rss_mb": base}
                rows.append(row)
                f.unlink()
                print(row, file=sys.stderr, flush=True)
    columns = ["command", "mb", "newlines", "seconds", "mb_per_s", "peak_rss_mb",
               "baseline_rss_mb", "first_output_s", "output_ok"]  # fmt: skip
    report("huge_input", rows, columns, {"cipher": args.cipher, "threads": args.threads})


if __name__ == "__main__":
    main()
