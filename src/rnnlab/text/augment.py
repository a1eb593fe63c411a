"""Training text made less like the corpus and more like what users bring: the same words with
other case, line breaks, numbers, symbols and punctuation set apart or attached. A decipherer
trained on prose alone learns the prose along with the cipher and stumbles on a play script, a
verse-numbered Bible or a table; one trained on this learns the cipher. Numpy only; the
trainers call it once an epoch (streams.py) or once a dataset (datasets.py).

With rate r, each word (a run of non-spaces) is, independently:

    upper-cased, with the next 0 to 5 words   r / 2     (runs of capitals: LORD POLONIUS)
    capitalised                               r / 2     (Judge Me)
    followed by a line break, not its space   r         (verse; a blank line a quarter of those)
    followed by a run of spaces or a tab      r / 2     (columns of a table, indented lines)
    preceded by a number                      r / 2     (17, 3:16, 1999. and the like)
    preceded by a symbol                      r / 4     (a digit or a punctuation mark)
    punctuation set apart, or a mark added    r / 2     (`a,` as the classic data's `a ,`; or `a;`)

so that every printable ASCII character turns up in training and none is unknown to the model.
Only ASCII letters change case; where a cipher keeps case the model reads folded text, and the
case changes then only vary what the decoder restores.
"""

from __future__ import annotations

import re
import string

import numpy as np

__all__ = ["CHARS", "augment"]

SYMBOLS = string.punctuation + string.digits  # what may precede a word
CHARS = SYMBOLS + string.ascii_letters + "\n\t "  # every character augment() may bring in
_PUNCT = re.compile(r"^(.*?[A-Za-z0-9])([,.;:!?']+)$")  # a word with punctuation attached
_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)  # ASCII only: no 'ß' -> 'SS'
_NUMBERS = ("{a}", "{a}:{b}", "{a}.", "{a},{b:03d}", "({a})", "{a}{b}")


def _number(rng: np.random.Generator) -> str:
    form = _NUMBERS[rng.integers(len(_NUMBERS))]
    return form.format(a=int(rng.integers(1, 2000)), b=int(rng.integers(0, 1000)))


def _punctuation(word: str, rng: np.random.Generator) -> str:
    """`word,` as `word ,` (set apart); a word without punctuation gets a mark half the time."""
    m = _PUNCT.match(word)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    return word if rng.random() < 0.5 else word + string.punctuation[rng.integers(32)]


def augment(text: str, rate: float, rng: np.random.Generator) -> str:
    """`text` with its words changed as the module says, each at `rate` (0 returns it as is).
    The whitespace between words is kept unless a change replaces it; the words' letters keep
    their order, so a cipher over the result is as hard as over the text."""
    if rate <= 0:
        return text
    parts = re.split(r"(\s+)", text)  # word, space, word, ...: words at even places
    words = parts[0::2]
    n = len(words)
    draws = rng.random((n, 7))  # (n, 7): one uniform per word and change
    upper_run = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(draws[:, 0] < rate / 2):
        upper_run[i : i + 1 + int(rng.integers(6))] = True
    for i, w in enumerate(words):
        d = draws[i]
        if not w:
            continue
        if upper_run[i]:
            w = w.translate(_UPPER)
        elif d[1] < rate / 2:
            w = w[:1].translate(_UPPER) + w[1:]
        if d[5] < rate / 2:
            w = _punctuation(w, rng)
        if d[3] < rate / 2:
            w = f"{_number(rng)} {w}"
        if d[4] < rate / 4:
            w = SYMBOLS[rng.integers(len(SYMBOLS))] + w
        parts[2 * i] = w
        if 2 * i + 1 < len(parts):
            if d[2] < rate:
                parts[2 * i + 1] = "\n\n" if rng.random() < 0.25 else "\n"
            elif d[6] < rate / 2:
                parts[2 * i + 1] = "\t" if rng.random() < 0.25 else " " * int(rng.integers(2, 13))
    return "".join(parts)
