"""Keys as typed on the command line: make_cipher builds a cipher from its name and a key string,
and the names it knows. Not here: the ciphers themselves (base.py, polyalphabetic.py).
"""

from __future__ import annotations

import re

from rnnlab.errors import CipherKeyError, InputError
from rnnlab.text.ciphers.base import (
    _KEY_HELP,
    Affine,
    Atbash,
    Caesar,
    Cipher,
    Rot13,
    Substitution,
    _whole_number,
)
from rnnlab.text.ciphers.playfair import Playfair
from rnnlab.text.ciphers.polyalphabetic import Autokey, Beaufort, Progressive, Vigenere
from rnnlab.text.ciphers.transposition import Columnar, RailFence

CIPHER_NAMES: tuple[str, ...] = (
    "caesar",
    "rot13",
    "atbash",
    "affine",
    "vigenere",
    "beaufort",
    "autokey",
    "substitution",
    "columnar",
    "railfence",
    "playfair",
)
# Ciphers make_cipher knows besides CIPHER_NAMES (which the command line's help text and the
# tests list); the running-position cipher, whose shift depends on the letter's position.
_MORE_NAMES: tuple[str, ...] = ("progressive",)
ALL_NAMES = (*CIPHER_NAMES, *_MORE_NAMES)
WHOLE_TEXT = ("columnar", "railfence", "playfair")  # read a text whole (Cipher.whole_text)
_ALIASES = {"shift": "caesar", "trithemius": "progressive", "rail-fence": "railfence"}
_INTEGER = re.compile(r"[+-]?\d+")


def make_cipher(name: str, key: str | int | None = None) -> Cipher:
    """The cipher `name` (one of CIPHER_NAMES, progressive, or 'shift' for caesar) with `key`
    parsed as typed: caesar '3' or '-29'; affine '5,8'; vigenere, beaufort and autokey a word;
    substitution 26 letters or a keyword; columnar a keyword of 2 to 12 letters; railfence a
    number of rails, 2 to 10; playfair a keyword; progressive '3,1' or '3'; rot13 and atbash
    no key. A bad key raises CipherKeyError saying what a good one is."""
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
    if n == "railfence":
        return RailFence(_parse_int("railfence", key))
    cls = {"vigenere": Vigenere, "beaufort": Beaufort, "autokey": Autokey,
           "substitution": Substitution, "columnar": Columnar, "playfair": Playfair}[n]  # fmt: skip
    return cls(str(key))


def _parse_int(cipher: str, key: str | int) -> int:
    if isinstance(key, str):
        if not _INTEGER.fullmatch(key.strip()):
            raise CipherKeyError(f"{cipher} key must be {_KEY_HELP[cipher]}; got {key!r}")
        return int(key)
    return _whole_number(cipher, key)
