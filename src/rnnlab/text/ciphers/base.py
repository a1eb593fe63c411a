"""The cipher interface, the alphabet and key checks shared by every cipher, and the
monoalphabetic ciphers (one fixed letter-to-letter table each). Not here: ciphers whose key
advances along the text (polyalphabetic.py) or parsing keys as typed (keys.py).
"""

from __future__ import annotations

import math
import operator
import re
import string
from abc import ABC, abstractmethod
from collections.abc import Callable

from rnnlab.errors import CipherKeyError

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
# the multipliers a of the affine cipher a * x + b: the numbers below 26 coprime with it
AFFINE_MULTIPLIERS = tuple(a for a in range(1, 26) if math.gcd(a, 26) == 1)
_LETTERS = re.compile(r"[A-Za-z]+")


class Cipher(ABC):
    """A keyed cipher on the ASCII letters of a text; equal when name and key are equal."""

    name: str
    # letters after which the cipher starts afresh as at the text's start: 1 for one table,
    # the key's length for Vigenere, None where it never does (autokey: the key is the text)
    period: int | None = 1
    whole_text = False  # True for the ciphers that move letters: they read a text whole
    lossy = False  # True for Playfair alone: decrypt(encrypt(t)) may differ from t

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


# ---- key checks: a bad key raises CipherKeyError saying what a good one is


_KEY_HELP = {
    "caesar": "a whole number of places to shift, such as 3 or -3",
    "affine": "two whole numbers a,b such as 5,8, with a coprime with 26",
    "vigenere": "a word of letters A-Z such as LEMON",
    "autokey": "a primer word of letters A-Z such as QUEENLY",
    "substitution": "26 letters in any order, or a keyword such as ZEBRA",
    "progressive": "a shift and a step S,D such as 3,1 (a lone S means step 1)",
    "beaufort": "a word of letters A-Z such as FORTIFICATION",
    "columnar": "a keyword of 2 to 12 letters A-Z such as ZEBRAS",
    "railfence": "a whole number of rails from 2 to 10, such as 3",
    "playfair": "a keyword of letters A-Z such as PLAYFAIR (or the 25 letters of a square)",
}


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
