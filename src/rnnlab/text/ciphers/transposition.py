"""Ciphers that move letters instead of changing them: columnar transposition under a keyword and
the rail fence. Only the ASCII letters move, each keeping its case; every other character
(spaces, punctuation, digits, line breaks) stays where it stands, so the plaintext's word breaks
are the ciphertext's and `decrypt` inverts `encrypt` exactly:

    railfence, 3 rails, on "We are found!":   letters WEAREFOUND laid in a zigzag
        W . . . E . . . N .       rails read in turn: WEN ERFUD AO
        . E . R . F . U . D       written back into the letter places, each with its case:
        . . A . . . O . . .       "We ner fudao!" -> decrypt gives "We are found!"

A letter's new place depends on how many letters the whole text holds, so these ciphers read
a text whole (`whole_text`); they cannot run over a text in pieces. Not here: ciphers that
change letters (base.py, polyalphabetic.py).
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import CipherKeyError
from rnnlab.text._codepoints import code_points, from_code_points
from rnnlab.text.ciphers.base import Cipher, _letters_key, _whole_number

COLUMNAR_KEY = (2, 12)  # letters a columnar key may have
RAILS = (2, 10)  # rails a rail fence may have


def _moved(text: str, n_letters_order, decrypt: bool) -> str:
    codes = code_points(text)
    at = np.flatnonzero(((codes | 32) >= 97) & ((codes | 32) <= 122))  # the ASCII letters
    perm = n_letters_order(len(at))  # cipher letter k is plain letter perm[k]
    out = codes.copy()
    if decrypt:
        plain = np.empty(len(at), dtype=codes.dtype)
        plain[perm] = codes[at]
        out[at] = plain
    else:
        out[at] = codes[at][perm]
    return from_code_points(out)


class _Transposition(Cipher):
    whole_text = True
    period = None  # no fixed table at any point: no decipherer learns these letter by letter

    def encrypt(self, text: str) -> str:
        return _moved(text, self.order, decrypt=False)

    def decrypt(self, text: str) -> str:
        return _moved(text, self.order, decrypt=True)

    def stream(self, decrypt: bool = False):
        raise CipherKeyError(
            f"{self.name} moves letters across the whole text, so it cannot run over a text in "
            "pieces; give the whole text to encrypt or decrypt"
        )

    def order(self, n: int) -> np.ndarray:
        """The permutation of n letters: the ciphertext's k-th letter is the plaintext's
        order(n)[k]."""
        raise NotImplementedError


class Columnar(_Transposition):
    """Columnar transposition: the letters written in rows as wide as the key, the columns read
    top to bottom in the alphabetical order of the key's letters (equal letters left to right);
    the last row may be short."""

    name = "columnar"

    def __init__(self, key: str) -> None:
        self.key = _letters_key("columnar", key)
        lo, hi = COLUMNAR_KEY
        if not lo <= len(self.key) <= hi:
            raise CipherKeyError(
                f"a columnar key has {lo} to {hi} letters; {self.key!r} has {len(self.key)}"
            )
        self.columns = np.array(sorted(range(len(self.key)), key=lambda j: (self.key[j], j)))

    @property
    def key_str(self) -> str:
        return self.key

    def order(self, n: int) -> np.ndarray:
        w = len(self.key)
        return np.concatenate([np.arange(j, n, w) for j in self.columns]).astype(np.int64)


class RailFence(_Transposition):
    """The rail fence: the letters written in a zigzag down and up `rails` rows, then read row
    by row."""

    name = "railfence"

    def __init__(self, rails: int) -> None:
        self.rails = _whole_number("railfence", rails)
        lo, hi = RAILS
        if not lo <= self.rails <= hi:
            raise CipherKeyError(f"a rail fence has {lo} to {hi} rails; got {self.rails}")

    @property
    def key_str(self) -> str:
        return str(self.rails)

    def order(self, n: int) -> np.ndarray:
        cycle = 2 * (self.rails - 1)
        k = np.arange(n) % cycle
        rail = np.where(k < self.rails, k, cycle - k)
        return np.argsort(rail, kind="stable").astype(np.int64)
