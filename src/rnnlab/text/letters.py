"""The 28-symbol alphabet that the character language model and the key-agnostic networks read
(a-z case-folded, one space for any run of whitespace, one symbol for anything else), and every
key of the Caesar and affine families as a map of letters. Not a Vocab: nothing is fitted.
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import InputError
from rnnlab.text.ciphers import AFFINE_MULTIPLIERS

VOCAB_SIZE = 28  # a..z, one space for any run of whitespace, one symbol for anything else
SPACE_ID, OTHER_ID = 26, 27
FAMILIES = ("caesar", "affine")  # the families family_maps knows

_TABLE = np.full(128, OTHER_ID, dtype=np.int64)
for _i in range(26):
    _TABLE[ord("a") + _i] = _TABLE[ord("A") + _i] = _i
for _c in " \t\n\r\f\v":
    _TABLE[ord(_c)] = SPACE_ID


def encode(text: str) -> np.ndarray:
    """`text` as ids (n,) int64: letters case-folded, whitespace runs as one space."""
    raw = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    ids = _TABLE[np.minimum(raw, 127)]
    if len(ids) == 0:
        return ids
    keep = np.ones(len(ids), dtype=bool)
    keep[1:] = ~((ids[1:] == SPACE_ID) & (ids[:-1] == SPACE_ID))
    return ids[keep]


def family_maps(family: str) -> np.ndarray:
    """Every key of `family` as an encryption map plain -> cipher letter: (n_keys, 26)."""
    x = np.arange(26)
    if family == "caesar":
        return np.stack([(x + s) % 26 for s in range(26)])
    if family == "affine":
        return np.stack([(a * x + b) % 26 for a in AFFINE_MULTIPLIERS for b in range(26)])
    raise InputError(f"the keyless model knows {' and '.join(FAMILIES)}, not {family!r}")


def encipher_ids(plain: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """One map (n, 26) per row applied to the letter ids of `plain` (n, T); other ids pass."""
    letters = plain < 26
    out = plain.copy()
    rows = np.broadcast_to(np.arange(len(plain))[:, None], plain.shape)
    out[letters] = maps[rows[letters], plain[letters]]
    return out
