"""When `rnnlab decipher` says to doubt: for each model and held-out text, the share of
characters the model's vocabulary lacks, the share of letters under the confidence threshold
(sampled as the command line samples them), whether it says so, and the letters it got wrong.

    python benchmarks/doubt.py --model NAME=RUN [--model NAME=RUN ...] [--threads 2]

Texts as in benchmarks/heldout.py (100,000 characters each, one message from the key's start),
and the model's own corpus test text; the decipherer is fed as `rnnlab decipher -i` feeds it.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from heldout import texts  # noqa: E402
from heldout_sources import SOURCES  # noqa: E402
from length import LETTERS, corpus_test_text, decipherer  # noqa: E402

from rnnlab.cli.use import DECIPHER_PIECE  # noqa: E402
from rnnlab.text._codepoints import code_points  # noqa: E402
from rnnlab.text.ciphers import make_cipher  # noqa: E402

TOTAL = 100_000


def measure(dec, cipher, text: str) -> tuple[object, float]:
    """The stream's Doubt and the share of letters deciphered wrong."""
    s = dec.stream(confidence=False)
    ciph, got = cipher.encrypt(text), []
    for i in range(0, len(ciph), DECIPHER_PIECE):
        got.append(s.feed(ciph[i : i + DECIPHER_PIECE])[0])
    got.append(s.close()[0])
    p, g = code_points(text), code_points("".join(got))
    letter = np.isin(p, LETTERS)
    return s.doubt, float((p != g)[letter].mean())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", action="append", default=[], required=True, help="NAME=RUN")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    chosen = texts([s.name for s in SOURCES], TOTAL)
    print("| model | text | unknown characters | unsure letters | said to doubt | letters wrong |")
    print("|---|---|---|---|---|---|")
    for name, run in (m.split("=", 1) for m in a.model):
        dec, facts = decipherer(Path(run))
        dec.batch_chars = DECIPHER_PIECE  # as `rnnlab decipher` builds it
        cipher = make_cipher(facts["cipher"], facts["key"])
        own = corpus_test_text(cipher, dec.memory, facts.get("seed", 0))[:TOTAL]
        for label, text in [("corpus test", own), *((s.name, t) for s, t in chosen)]:
            d, wrong = measure(dec, cipher, text)
            said = "yes" if d.unlike else "no"
            print(f"| {name} | {label} | {d.unknown_share:.2%} | {d.unsure_share:.2%} | {said} | "
                  f"{wrong:.3%} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
