"""The classic cipher exercise's data format, rebuilt from the default corpus.

The classic data set is 10,000 phrases, one a line, in two files (plain.txt and cipher.txt, line i
of one enciphering line i of the other): uppercase words, the punctuation , . ? ' separated by
spaces, 17 to 101 characters (mean about 65), a Caesar shift on letters only. Here the phrases are
drawn from the default corpus's sentences instead of a template grammar; not a corpus cleaner.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import numpy as np

from rnnlab.errors import InputError
from rnnlab.text._files import atomic_write_text
from rnnlab.text.ciphers import Caesar
from rnnlab.text.corpus import default_text, sentences

__all__ = ["MAX_LEN", "MIN_LEN", "classic_phrases", "write_pairs"]

MIN_LEN = 17  # shortest phrase, in characters
MAX_LEN = 101  # longest phrase, in characters
_TARGET = (65, 101)  # each phrase grows to a length drawn uniformly from this range
_TOKEN = re.compile(r"[A-Za-z]+|[,.?']")
_TO_COMMA = str.maketrans({";": ",", ":": ",", "!": ".", "-": " ", "(": " ", ")": " "})


@functools.lru_cache(maxsize=1)
def _classic_sentences() -> tuple[tuple[str, ...], ...]:
    """The default corpus's sentences as tokens: uppercase words and , . ? ' (digits and other
    symbols drop the sentence)."""
    out = []
    for s in sentences(default_text()):
        s = s.translate(_TO_COMMA)
        if re.search(r"[^A-Za-z,.?' ]", s):
            continue
        tokens = [t.upper() for t in _TOKEN.findall(s)]
        tokens = [t for i, t in enumerate(tokens) if not (t == "," and tokens[i - 1 : i] == [","])]
        if len(" ".join(tokens)) >= MIN_LEN:
            out.append(tuple(tokens))
    return tuple(out)


def classic_phrases(n: int = 10_000, seed: int = 0) -> list[str]:
    """`n` phrases in the classic format, the same for the same seed. A sentence is drawn with
    probability proportional to its length; the phrase starts at its start or after a comma (half
    the time) or at any word, and takes whole words up to a length drawn uniformly from 65 to 101
    characters, so the mean is about 64. Repeats happen (about a quarter of 10,000 phrases)."""
    if n < 0:
        raise InputError(f"the number of phrases must be 0 or more; got {n}")
    pool = _classic_sentences()
    cdf = np.cumsum([len(" ".join(t)) for t in pool], dtype=np.float64)
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        tokens = pool[
            min(int(np.searchsorted(cdf, rng.random() * cdf[-1], "right")), len(pool) - 1)
        ]
        if rng.random() < 0.5:
            starts = [0] + [i + 1 for i, t in enumerate(tokens[:-1]) if t == ","]
        else:
            starts = [
                i for i, t in enumerate(tokens) if t.isalpha() and tokens[i - 1 : i] != ("'",)
            ]
        start = starts[rng.integers(len(starts))]
        limit = int(rng.integers(_TARGET[0], _TARGET[1] + 1))
        phrase = _take(tokens[start:], limit)
        if len(phrase) >= MIN_LEN:
            out.append(phrase)
    return out


def _take(tokens: tuple[str, ...], limit: int) -> str:
    """The longest run of leading tokens at most `limit` characters long, joined by spaces,
    without trailing commas or apostrophes."""
    taken: list[str] = []
    length = -1
    for t in tokens:
        if length + 1 + len(t) > limit:
            break
        taken.append(t)
        length += 1 + len(t)
    while taken and taken[-1] in (",", "'"):
        taken.pop()
    return " ".join(taken)


def write_pairs(
    folder: str | os.PathLike[str], n: int = 10_000, shift: int = 3, seed: int = 0
) -> tuple[Path, Path]:
    """Write `n` classic phrases to folder/plain.txt and their Caesar(shift) encryption to
    folder/cipher.txt, one phrase a line, each file atomically. Returns (plain, cipher) paths."""
    folder = Path(folder)
    cipher = Caesar(shift)
    plain = classic_phrases(n, seed)
    plain_path, cipher_path = folder / "plain.txt", folder / "cipher.txt"
    atomic_write_text(plain_path, "".join(p + "\n" for p in plain))
    atomic_write_text(cipher_path, "".join(cipher.encrypt(p) + "\n" for p in plain))
    return plain_path, cipher_path
