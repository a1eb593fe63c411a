"""Playfair: letters enciphered two at a time in a 5x5 square made from a keyword.

The square holds the keyword's letters (J read as I, each letter once) and then the rest of the
alphabet without J. The letters of the text (ASCII A-Z, case folded) are cut into pairs, left
to right: a pair of two equal letters is split by an X put after the first (a Q after an X), and
an odd last letter gets an X (a Q after an X). Each pair then becomes another:

    same row:     each letter the one to its right (the row wraps round)
    same column:  each letter the one below it (the column wraps round)
    otherwise:    each letter the one in its own row and the other's column

How the rest of the text comes through: every character that is not a letter stays where it
stands; each letter's cipher letter takes its place and case, and an inserted X or Q follows
the letter it was put after, in that letter's case (so "balloon" becomes 8 letters). So the
ciphertext's word breaks are the filled plaintext's.

The one lossy cipher here: `decrypt` gives back the filled plaintext, not the text as written.
What cannot come back is every J (read as I), which X or Q was put in to split a double letter
or to pad the end, and which was the text's own. `encrypt(decrypt(c)) == c` for every Playfair
ciphertext c, and `decrypt(encrypt(t)) == t` for a text t without J whose letters pair up with
no double (a test). A Playfair ciphertext has an even number of letters, no J and no pair of
two equal letters; `decrypt` refuses anything else, saying which.
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import CipherKeyError
from rnnlab.text._codepoints import code_points, from_code_points
from rnnlab.text.ciphers.base import Cipher, _letters_key

I, J, Q, X = 8, 9, 16, 23  # letter numbers, A = 0
ALPHABET25 = np.array([c for c in range(26) if c != J])  # the square's 25 letters, A..Z less J


def square_of(key: str) -> np.ndarray:
    """The 5x5 square of `key` (upper-case letters) as 25 letter numbers, row by row."""
    seen: list[int] = []
    for c in key:
        v = ord(c) - 65
        v = I if v == J else v
        if v not in seen:
            seen.append(v)
    rest = [int(c) for c in ALPHABET25 if c not in seen]
    return np.array(seen + rest, dtype=np.int64)


def _letters(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The text's code points, the positions of its ASCII letters and their numbers (A = 0)."""
    codes = code_points(text)
    at = np.flatnonzero(((codes | 32) >= 97) & ((codes | 32) <= 122))
    return codes, at, (codes[at] | 32) - 97


def pair_up(letters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The filled plaintext of letter numbers (J read as I) and, for each of its letters, the
    index of the text's letter it sits with (an inserted X or Q sits with the one before)."""
    L = np.where(letters == J, I, letters).tolist()
    out: list[int] = []
    owner: list[int] = []
    i, n = 0, len(L)
    while i < n:
        a = L[i]
        if i + 1 < n and L[i + 1] != a:
            out += [a, L[i + 1]]
            owner += [i, i + 1]
            i += 2
        else:  # a double letter, or the last one alone: a filler after it
            out += [a, Q if a == X else X]
            owner += [i, i]
            i += 1
    return np.array(out, dtype=np.int64), np.array(owner, dtype=np.int64)


def apply_square(square: np.ndarray, letters: np.ndarray, decrypt: bool) -> np.ndarray:
    """Pairs of letter numbers (2m,) through `square` (25,): enciphered, or deciphered."""
    pos = np.empty(26, dtype=np.int64)
    pos[square] = np.arange(25)
    pos[J] = pos[I]
    a, b = pos[letters[0::2]], pos[letters[1::2]]
    ra, ca, rb, cb = a // 5, a % 5, b // 5, b % 5
    step = -1 if decrypt else 1
    row, col = ra == rb, (ca == cb) & (ra != rb)
    na = np.where(row, ra * 5 + (ca + step) % 5, np.where(col, ((ra + step) % 5) * 5 + ca,
                                                          ra * 5 + cb))  # fmt: skip
    nb = np.where(row, rb * 5 + (cb + step) % 5, np.where(col, ((rb + step) % 5) * 5 + cb,
                                                          rb * 5 + ca))  # fmt: skip
    out = np.empty_like(letters)
    out[0::2], out[1::2] = square[na], square[nb]
    return out


class Playfair(Cipher):
    """Playfair under a keyword (see the module docstring for what comes through and back)."""

    name = "playfair"
    whole_text = True  # the pairs, and the fillers, depend on every letter before
    period = None
    lossy = True

    def __init__(self, key: str) -> None:
        self.key = _letters_key("playfair", key)
        self.square = square_of(self.key)

    @property
    def key_str(self) -> str:
        return self.key

    def encrypt(self, text: str) -> str:
        codes, at, letters = _letters(text)
        plain, owner = pair_up(letters)
        cipher = apply_square(self.square, plain, decrypt=False) + 65
        upper = codes[at] < 97
        cased = np.where(upper[owner], cipher, cipher + 32)
        first = np.ones(len(owner), dtype=bool)
        first[1:] = owner[1:] != owner[:-1]  # the text's own letters; the rest are fillers
        out = codes.copy()
        out[at] = cased[first]
        out = np.insert(out, at[owner[~first]] + 1, cased[~first])
        return from_code_points(out)

    def decrypt(self, text: str) -> str:
        codes, at, letters = _letters(text)
        check_ciphertext(letters)
        plain = apply_square(self.square, letters, decrypt=True)
        out = codes.copy()
        out[at] = np.where(codes[at] < 97, plain + 65, plain + 97)
        return from_code_points(out)

    def stream(self, decrypt: bool = False):
        raise CipherKeyError("playfair pairs letters across the whole text, so it cannot run "
                             "over a text in pieces; give the whole text to encrypt or decrypt")


def check_ciphertext(letters: np.ndarray) -> None:
    """A CipherKeyError unless `letters` (A = 0) can be a Playfair ciphertext."""
    if len(letters) % 2:
        raise CipherKeyError(f"a Playfair ciphertext has an even number of letters; this one "
                             f"has {len(letters):,}, so it was not made by playfair")  # fmt: skip
    if (letters == J).any():
        raise CipherKeyError("a Playfair ciphertext has no J (I and J share a cell of the "
                             "square); this one has, so it was not made by playfair")  # fmt: skip
    same = np.flatnonzero(letters[0::2] == letters[1::2])
    if len(same):
        k = int(same[0])
        raise CipherKeyError(f"a Playfair ciphertext never pairs a letter with itself; letters "
                             f"{2 * k + 1:,} and {2 * k + 2:,} are both "
                             f"{chr(65 + int(letters[2 * k]))}")  # fmt: skip
