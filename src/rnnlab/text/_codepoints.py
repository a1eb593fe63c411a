"""Strings as numpy arrays of Unicode code points and back, for vectorised character work.

Lone surrogates survive the round trip. Nothing here knows ciphers or vocabularies.
"""

from __future__ import annotations

import numpy as np


def code_points(text: str) -> np.ndarray:
    """The code points of `text`, (len(text),) uint32 (a read-only view of fresh bytes)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def from_code_points(codes: np.ndarray) -> str:
    """The string of code points `codes` (N,), the inverse of code_points."""
    return np.asarray(codes).astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
