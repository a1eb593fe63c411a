"""Classical ciphers: key parsing and validation, encrypt, decrypt, and streaming over long text.

Only the ASCII letters A-Z and a-z are enciphered, each keeping its case; every other character
passes through unchanged, and in Vigenere and autokey only letters advance the key. Not a
cryptanalysis toolkit: nothing here breaks a cipher without its key. The interface and the
one-table ciphers live in base.py, those whose shift advances along the text in polyalphabetic.py
and make_cipher in keys.py; import every name from rnnlab.text.ciphers.
"""

from rnnlab.text.ciphers.base import (
    AFFINE_MULTIPLIERS,  # noqa: F401  re-exported outside __all__, as before
    LOWER,  # noqa: F401
    UPPER,  # noqa: F401
    Affine,
    Atbash,
    Caesar,
    Cipher,
    Rot13,
    Substitution,
)
from rnnlab.text.ciphers.keys import CIPHER_NAMES, make_cipher
from rnnlab.text.ciphers.polyalphabetic import Autokey, Progressive, Vigenere

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
