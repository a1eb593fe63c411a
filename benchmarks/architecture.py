"""The architecture experiment (`rnnlab experiment architecture`) on every held-out text of
benchmarks/heldout_sources.py besides the docstrings: a model with no context, a 1-D CNN, the GRU
and a bidirectional GRU on Caesar and Vigenere phrases, measured on each text.

    python benchmarks/architecture.py [--quick] [--out docs/figures/architecture]

The texts are read at benchmark time from packages installed for the benchmark alone (a missing
one is skipped, and the line printed says how to install it); the experiment itself, run from
the command line, reads only the docstrings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine  # noqa: E402
from heldout_sources import SOURCES  # noqa: E402

from rnnlab.experiments import architecture  # noqa: E402
from rnnlab.text.heldout import heldout_text  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the experiment's quick run")
    p.add_argument("--out", type=Path, default=None, help="folder (default: a temporary one)")
    a = p.parse_args(argv)
    chars = (architecture.QUICK if a.quick else architecture.FULL).heldout_chars
    texts = {"docstrings": heldout_text(chars)}
    for source in SOURCES:
        text = source.read()
        if text is None:
            print(f"skipped {source.name}: not installed ({source.install})", flush=True)
        elif source.name not in texts:
            texts[source.name] = text[:chars]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        res = architecture.run(quick=a.quick, out=a.out or tmp, texts=texts)
        print("machine: " + ", ".join(f"{k}={v}" for k, v in machine().items()))
        print(f"architecture ({'quick' if a.quick else 'full'} run) in {res.seconds:.1f} s")
        print("\n".join(f"- {line}" for line in res.verdict))
        print((Path(a.out or tmp) / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
