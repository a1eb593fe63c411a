"""The polyalphabetic ciphers Vigenere, Beaufort, autokey and progressive: the shift advances
with every letter, so each keeps its position while streaming. Text is handled as an array of
code points and only letters are touched. Not here: the one-table ciphers (base.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rnnlab.errors import CipherKeyError
from rnnlab.text._codepoints import code_points, from_code_points
from rnnlab.text.ciphers.base import UPPER, Cipher, _letters_key, _whole_number


def _shift_letters(text: str, shift_fn: Callable[[np.ndarray], np.ndarray]) -> str:
    """Apply `shift_fn` to the letters' values (A=0, (n_letters,) int64) and keep their case."""
    codes = code_points(text)
    upper = (codes >= 65) & (codes <= 90)
    lower = (codes >= 97) & (codes <= 122)
    mask = upper | lower
    if not mask.any():
        return text
    base = np.where(upper[mask], np.uint32(65), np.uint32(97))
    new = shift_fn(codes[mask].astype(np.int64) - base)
    out = codes.copy()
    out[mask] = base + new
    return from_code_points(out)


def _repeating_key(k: np.ndarray, combine) -> Callable[[str], str]:
    """A stream whose letter i (counting letters only) is combine(letter values, key values)
    with key letter i mod len(k), the key's place kept from one call to the next."""
    done = 0  # letters seen so far

    def shift(v: np.ndarray) -> np.ndarray:
        nonlocal done
        keys = np.tile(np.roll(k, -done), -(-len(v) // len(k)))[: len(v)]  # from key[done]
        done = (done + len(v)) % len(k)
        return combine(v, keys)

    return lambda text: _shift_letters(text, shift)


class _KeywordStream(Cipher):
    """A cipher keyed by a word whose state runs along the text: encrypt and decrypt are one
    call of the stateful `stream` that each subclass defines."""

    def __init__(self, key: str) -> None:
        self.key = _letters_key(self.name, key)
        self._k = np.array([UPPER.index(c) for c in self.key], dtype=np.int64)

    @property
    def key_str(self) -> str:
        return self.key

    def encrypt(self, text: str) -> str:
        return self.stream()(text)

    def decrypt(self, text: str) -> str:
        return self.stream(decrypt=True)(text)


class Vigenere(_KeywordStream):
    """Letter i of the text (counting letters only) is shifted by key letter i mod len(key)."""

    name = "vigenere"

    @property
    def period(self) -> int:
        return len(self.key)

    def stream(self, decrypt: bool = False) -> Callable[[str], str]:
        sign = -1 if decrypt else 1
        return _repeating_key(self._k, lambda v, keys: (v + sign * keys) % 26)


class Beaufort(_KeywordStream):
    """Letter i of the text (counting letters only) becomes key letter i mod len(key) minus the
    letter (mod 26): the same operation enciphers and deciphers."""

    name = "beaufort"

    @property
    def period(self) -> int:
        return len(self.key)

    def stream(self, decrypt: bool = False) -> Callable[[str], str]:
        return _repeating_key(self._k, lambda v, keys: (keys - v) % 26)


class Autokey(_KeywordStream):
    """Vigenere whose keystream is the primer `key` followed by the plaintext letters themselves
    (Wikipedia: QUEENLY on ATTACKATDAWN gives QNXEPVYTWTWP)."""

    name = "autokey"
    period = None  # the key after the primer is the plaintext: it never starts afresh

    def stream(self, decrypt: bool = False) -> Callable[[str], str]:
        m = len(self._k)
        queue = self._k.copy()  # the next m key letters: the primer, then past plaintext

        def encrypt(p: np.ndarray) -> np.ndarray:
            nonlocal queue
            stream = np.concatenate([queue, p])  # key letter i is stream[i]
            queue = stream[-m:]
            return (p + stream[: len(p)]) % 26

        def decrypt_(c: np.ndarray) -> np.ndarray:
            # p_i = c_i - p_{i-m}, with p_{i-m} = queue[i] for i < m. Laid out as rows of m
            # letters, column j is the recurrence p_r = c_r - p_{r-1}, p_{-1} = queue[j], whose
            # solution is p_r = (-1)^r (sum_{s<=r} (-1)^s c_s - queue[j]).
            nonlocal queue
            n = len(c)
            rows = -(-n // m)
            C = np.zeros(rows * m, dtype=np.int64)
            C[:n] = c
            C = C.reshape(rows, m)  # (rows, m): row r holds letters r*m .. r*m + m - 1
            sign = np.where(np.arange(rows) % 2 == 0, 1, -1)[:, None]  # (rows, 1)
            P = sign * (np.cumsum(sign * C, axis=0) - queue[None, :])
            p = (P.reshape(-1)[:n]) % 26
            queue = np.concatenate([queue, p])[-m:]
            return p

        shift = decrypt_ if decrypt else encrypt
        return lambda text: _shift_letters(text, shift)


class Progressive(Cipher):
    """A running-position cipher: letter i of the text (counting letters only) is shifted by
    shift + i * step places (mod 26), so the shift moves on by `step` with every letter and
    repeats every 26 / gcd(step, 26) letters. Trithemius' progressive cipher is shift 0, step 1
    (ABC becomes ACE)."""

    name = "progressive"

    def __init__(self, shift: int, step: int = 1) -> None:
        self.shift = _whole_number("progressive", shift) % 26
        self.step = _whole_number("progressive", step) % 26
        if self.step == 0:
            raise CipherKeyError(
                "a progressive step that is a multiple of 26 is a plain Caesar shift; "
                "give a step such as 1, or use caesar"
            )

    @property
    def key_str(self) -> str:
        return f"{self.shift},{self.step}"

    @property
    def period(self) -> int:
        """Letters after which the shifts repeat."""
        return 26 // math.gcd(self.step, 26)

    def encrypt(self, text: str) -> str:
        return self.stream()(text)

    def decrypt(self, text: str) -> str:
        return self.stream(decrypt=True)(text)

    def stream(self, decrypt: bool = False) -> Callable[[str], str]:
        sign = -1 if decrypt else 1
        done = 0  # letters seen so far

        def shift(v: np.ndarray) -> np.ndarray:
            nonlocal done
            keys = self.shift + self.step * ((done + np.arange(len(v))) % self.period)
            done = (done + len(v)) % self.period
            return (v + sign * keys) % 26

        return lambda text: _shift_letters(text, shift)
