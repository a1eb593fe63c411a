"""Classical ciphers: key parsing and validation, encrypt, decrypt, and streaming over long text.

Only the ASCII letters A-Z and a-z are enciphered, each keeping its case; every other character
passes through unchanged, and in Vigenere and autokey only letters advance the key. Not a
cryptanalysis toolkit: nothing here breaks a cipher without its key.
"""

from __future__ import annotations

import math
import operator
import re
import string
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from rnnlab.errors import CipherKeyError, InputError
from rnnlab.text._codepoints import code_points, from_code_points

__all__ = [
    "CIPHER_NAMES",
    "Affine",
    "Atbash",
    "Autokey",
    "Caesar",
    "Cipher",
    "Progressive",
    "Rot13",
    "Substitution",
    "Vigenere",
    "make_cipher",
]

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
CIPHER_NAMES: tuple[str, ...] = (
    "caesar",
    "rot13",
    "atbash",
    "affine",
    "vigenere",
    "autokey",
    "substitution",
)
# Ciphers make_cipher knows besides CIPHER_NAMES (which the command line's help text and the
# tests list); the running-position cipher, whose shift depends on the letter's position.
_MORE_NAMES: tuple[str, ...] = ("progressive",)
_ALIASES = {"shift": "caesar", "trithemius": "progressive"}
# the multipliers a of the affine cipher a * x + b: the numbers below 26 coprime with it
AFFINE_MULTIPLIERS = tuple(a for a in range(1, 26) if math.gcd(a, 26) == 1)
_LETTERS = re.compile(r"[A-Za-z]+")
_INTEGER = re.compile(r"[+-]?\d+")


class Cipher(ABC):
    """A keyed cipher on the ASCII letters of a text; equal when name and key are equal."""

    name: str

    @abstractmethod
    def encrypt(self, text: str) -> str:
        """The ciphertext of `text`: letters enciphered (case kept), everything else as is."""

    @abstractmethod
    def decrypt(self, text: str) -> str:
        """The plaintext of `text`, the inverse of encrypt."""

    @property
    @abstractmethod
    def key_str(self) -> str:
        """The key as typed on the command line ('' for a cipher without a key)."""

    def stream(self, decrypt: bool = False) -> Callable[[str], str]:
        """A function fed consecutive chunks of one long text; joined, its answers equal one
        call on the whole text. Ciphers whose key advances keep their position between calls."""
        return self.decrypt if decrypt else self.encrypt

    def __repr__(self) -> str:
        key = repr(self.key_str) if self.key_str else ""
        return f"{type(self).__name__}({key})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.key_str == other.key_str  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.key_str))


# ---- monoalphabetic ciphers: one fixed letter-to-letter table, applied with str.translate


class _Monoalphabetic(Cipher):
    """A cipher given by `image`: plain letter i (A=0) becomes image[i], in the same case."""

    def __init__(self, image: str) -> None:
        self.image = image
        self._enc = str.maketrans(UPPER + LOWER, image + image.lower())
        self._dec = str.maketrans(image + image.lower(), UPPER + LOWER)

    def encrypt(self, text: str) -> str:
        return text.translate(self._enc)

    def decrypt(self, text: str) -> str:
        return text.translate(self._dec)


class Caesar(_Monoalphabetic):
    """Shift every letter `shift` places along the alphabet (any integer, taken mod 26)."""

    name = "caesar"

    def __init__(self, shift: int) -> None:
        self.shift = _whole_number("caesar", shift) % 26
        super().__init__(UPPER[self.shift :] + UPPER[: self.shift])

    @property
    def key_str(self) -> str:
        return str(self.shift)


class Rot13(_Monoalphabetic):
    """Caesar with shift 13: its own inverse. Takes no key."""

    name = "rot13"

    def __init__(self) -> None:
        super().__init__(UPPER[13:] + UPPER[:13])

    @property
    def key_str(self) -> str:
        return ""


class Atbash(_Monoalphabetic):
    """The alphabet reversed (A<->Z, B<->Y, ...): its own inverse. Takes no key."""

    name = "atbash"

    def __init__(self) -> None:
        super().__init__(UPPER[::-1])

    @property
    def key_str(self) -> str:
        return ""


class Affine(_Monoalphabetic):
    """Letter x (A=0) becomes (a*x + b) mod 26; a must be coprime with 26 to be invertible."""

    name = "affine"

    def __init__(self, a: int, b: int) -> None:
        a = _whole_number("affine", a) % 26
        b = _whole_number("affine", b) % 26
        if math.gcd(a, 26) != 1:
            raise CipherKeyError(
                f"affine key a={a} is not coprime with 26; a must be one of "
                + ", ".join(map(str, AFFINE_MULTIPLIERS))
            )
        self.a, self.b = a, b
        super().__init__("".join(UPPER[(a * x + b) % 26] for x in range(26)))

    @property
    def key_str(self) -> str:
        return f"{self.a},{self.b}"


class Substitution(_Monoalphabetic):
    """Any permutation of the alphabet: A becomes key[0], B key[1], ... A keyword builds one:
    its letters without repeats, then the rest of the alphabet in order (ZEBRA -> ZEBRACDFG...)."""

    name = "substitution"

    def __init__(self, key: str) -> None:
        word = _letters_key("substitution", key)
        if len(word) == 26 and len(set(word)) < 26:
            twice = "".join(sorted({c for c in word if word.count(c) > 1}))
            missing = "".join(sorted(set(UPPER) - set(word)))
            raise CipherKeyError(
                "a substitution key of 26 letters is a whole alphabet and must use each letter "
                f"once; {twice} repeated, {missing} missing (or give a keyword such as ZEBRA)"
            )
        image = "".join(dict.fromkeys(word + UPPER))
        super().__init__(image)

    @property
    def key_str(self) -> str:
        return self.image


# ---- polyalphabetic ciphers: the key advances with every letter, so they keep state.
# Text is handled as an array of code points; only letters are touched.


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

    def stream(self, decrypt: bool = False) -> Callable[[str], str]:
        k, sign = self._k, (-1 if decrypt else 1)
        done = 0  # letters seen so far

        def shift(v: np.ndarray) -> np.ndarray:
            nonlocal done
            keys = np.tile(np.roll(k, -done), -(-len(v) // len(k)))[: len(v)]  # from key[done]
            done = (done + len(v)) % len(k)
            return (v + sign * keys) % 26

        return lambda text: _shift_letters(text, shift)


class Autokey(_KeywordStream):
    """Vigenere whose keystream is the primer `key` followed by the plaintext letters themselves
    (Wikipedia: QUEENLY on ATTACKATDAWN gives QNXEPVYTWTWP)."""

    name = "autokey"

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


# ---- keys as typed on the command line


def make_cipher(name: str, key: str | int | None = None) -> Cipher:
    """The cipher `name` (one of CIPHER_NAMES, progressive, or 'shift' for caesar) with `key`
    parsed as typed: caesar '3' or '-29'; affine '5,8'; vigenere and autokey a word; substitution
    26 letters or a keyword; progressive '3,1' or '3'; rot13 and atbash no key. A bad key raises
    CipherKeyError saying what a good one is."""
    n = _ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
    if n not in (*CIPHER_NAMES, *_MORE_NAMES):
        names = ", ".join((*CIPHER_NAMES, *_MORE_NAMES))
        raise InputError(f"unknown cipher {name!r}; choose one of {names}")
    if isinstance(key, str) and not key.strip():
        key = None
    if n in ("rot13", "atbash"):
        if key is not None:
            raise CipherKeyError(f"{n} takes no key; leave the key out (got {str(key)!r})")
        return Rot13() if n == "rot13" else Atbash()
    if key is None:
        raise CipherKeyError(f"{n} needs a key: {_KEY_HELP[n]}")
    if n == "caesar":
        return Caesar(_parse_int("caesar", key))
    if n == "affine":
        parts = str(key).split(",")
        if len(parts) != 2 or not all(_INTEGER.fullmatch(p.strip()) for p in parts):
            raise CipherKeyError(f"affine key must be {_KEY_HELP['affine']}; got {str(key)!r}")
        return Affine(int(parts[0]), int(parts[1]))
    if n == "progressive":
        parts = str(key).split(",")
        if len(parts) > 2 or not all(_INTEGER.fullmatch(p.strip()) for p in parts):
            raise CipherKeyError(f"progressive key must be {_KEY_HELP[n]}; got {str(key)!r}")
        return Progressive(*(int(p) for p in parts))
    cls = {"vigenere": Vigenere, "autokey": Autokey, "substitution": Substitution}[n]
    return cls(str(key))


_KEY_HELP = {
    "caesar": "a whole number of places to shift, such as 3 or -3",
    "affine": "two whole numbers a,b such as 5,8, with a coprime with 26",
    "vigenere": "a word of letters A-Z such as LEMON",
    "autokey": "a primer word of letters A-Z such as QUEENLY",
    "substitution": "26 letters in any order, or a keyword such as ZEBRA",
    "progressive": "a shift and a step S,D such as 3,1 (a lone S means step 1)",
}


def _parse_int(cipher: str, key: str | int) -> int:
    if isinstance(key, str):
        if not _INTEGER.fullmatch(key.strip()):
            raise CipherKeyError(f"{cipher} key must be {_KEY_HELP[cipher]}; got {key!r}")
        return int(key)
    return _whole_number(cipher, key)


def _whole_number(cipher: str, value: object) -> int:
    if isinstance(value, bool):
        raise CipherKeyError(f"{cipher} key must be {_KEY_HELP[cipher]}; got {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise CipherKeyError(f"{cipher} key must be {_KEY_HELP[cipher]}; got {value!r}") from None


def _letters_key(cipher: str, key: object) -> str:
    """`key` as uppercase letters, or a CipherKeyError saying what a good key is."""
    if not isinstance(key, str) or not _LETTERS.fullmatch(key.strip()):
        raise CipherKeyError(f"{cipher} key must be {_KEY_HELP[cipher]}; got {key!r}")
    return key.strip().upper()
