"""Classical ciphers: key parsing and validation, encrypt, decrypt, and streaming over long text.

Only the ASCII letters A-Z and a-z are enciphered, each keeping its case; every other character
passes through unchanged, and in Vigenere, Beaufort and autokey only letters advance the key.
The transpositions (columnar, railfence; transposition.py) move the letters among the letters'
places and read a text whole. Not a
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
from rnnlab.text.ciphers.playfair import Playfair
from rnnlab.text.ciphers.polyalphabetic import Autokey, Beaufort, Progressive, Vigenere
from rnnlab.text.ciphers.transposition import Columnar, RailFence

__all__ = [
    "CIPHER_NAMES",
    "Affine",
    "Atbash",
    "Autokey",
    "Beaufort",
    "Caesar",
    "Cipher",
    "Columnar",
    "Playfair",
    "Progressive",
    "RailFence",
    "Rot13",
    "Substitution",
    "Vigenere",
    "make_cipher",
]
