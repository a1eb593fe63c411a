"""The character vocabulary: fit, encode, decode, pad, and a JSON round trip.

Ids go by descending frequency from 1 (ties by first appearance); 0 is padding (PAD).
Unknown policy: encode() refuses a character the vocabulary lacks (InputError naming it and its
position). The decipherer instead asks known_mask(), sets the unknown characters aside, runs the
model on the rest, and puts them back unchanged in their places. Not a tokenizer of words.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rnnlab.errors import DataError, InputError, ModelFileError
from rnnlab.text._codepoints import code_points
from rnnlab.text._files import atomic_write_text

__all__ = ["PAD", "Vocab", "pad"]

PAD = 0
FORMAT = "rnnlab-vocab"
VERSION = 1


class Vocab:
    """Characters and their ids: chars[i] has id i + 1. len() counts the characters; size adds
    the padding id (the number of output classes)."""

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars: tuple[str, ...] = tuple(chars)
        bad = [c for c in self.chars if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise InputError(f"a vocabulary holds single characters; got {bad[0]!r}")
        if len(set(self.chars)) != len(self.chars):
            dup = next(c for c in self.chars if self.chars.count(c) > 1)
            raise InputError(f"a vocabulary lists each character once; {dup!r} is repeated")
        self._index = {c: i + 1 for i, c in enumerate(self.chars)}
        codes = code_points("".join(self.chars)).astype(np.int64)
        order = np.argsort(codes)
        self._sorted_codes = codes[order]  # (V,) code points, ascending
        self._sorted_ids = (order + 1).astype(np.int64)  # (V,) their ids
        self._table = np.array(("",) + self.chars, dtype=object)  # id -> character

    @classmethod
    def fit(cls, texts: Iterable[str]) -> Vocab:
        """The vocabulary of every character in `texts`, most frequent first, ties in order of
        first appearance. DataError if the texts hold no characters."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text)  # a Counter keeps first-appearance order
        if not counts:
            raise DataError("cannot fit a vocabulary on empty text; give some text")
        return cls(c for c, _ in sorted(counts.items(), key=lambda kv: -kv[1]))

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        """len(self) + 1: the number of ids, padding included."""
        return len(self.chars) + 1

    def __contains__(self, ch: object) -> bool:
        return ch in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.chars == other.chars

    def __hash__(self) -> int:
        return hash(self.chars)

    def __repr__(self) -> str:
        return f"Vocab({''.join(self.chars)!r})"

    def id(self, ch: str) -> int:
        """The id of one character; InputError if unknown."""
        if ch not in self._index:
            raise InputError(f"character {ch!r} is not in the vocabulary")
        return self._index[ch]

    def _lookup(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(ids, known) for every character of `text`, both (len(text),); unknown ids are 0."""
        codes = code_points(text).astype(np.int64)
        if len(self.chars) == 0:
            return np.zeros(len(codes), np.int64), np.zeros(len(codes), bool)
        pos = np.searchsorted(self._sorted_codes, codes).clip(max=len(self.chars) - 1)
        known = self._sorted_codes[pos] == codes
        return np.where(known, self._sorted_ids[pos], PAD), known

    def encode(self, text: str) -> np.ndarray:
        """The ids of `text`, (len(text),) int64. InputError naming the first character the
        vocabulary lacks and its position (0-based); known_mask() finds them beforehand."""
        ids, known = self._lookup(text)
        if not known.all():
            i = int(np.argmin(known))
            raise InputError(
                f"character {text[i]!r} (U+{ord(text[i]):04X}) at position {i} is not in the "
                f"vocabulary of {len(self)} characters; remove it, or set unknown characters "
                "aside with known_mask()"
            )
        return ids

    def known_mask(self, text: str) -> np.ndarray:
        """Which characters of `text` the vocabulary covers, (len(text),) bool."""
        return self._lookup(text)[1]

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """The text of `ids` (any shape is flattened), padding ids (0) skipped."""
        a = np.asarray(ids).reshape(-1)
        if a.size == 0:
            return ""
        if not np.issubdtype(a.dtype, np.integer):
            raise InputError(f"ids must be integers; got an array of {a.dtype}")
        if a.min() < 0 or a.max() >= self.size:
            bad = int(a[(a < 0) | (a >= self.size)][0])
            raise InputError(f"id {bad} is outside the vocabulary (ids 0 to {self.size - 1})")
        return "".join(self._table[a])

    # ---- files

    def to_json(self) -> dict:
        """{'format': 'rnnlab-vocab', 'version': 1, 'chars': [...]} (id i + 1 is chars[i])."""
        return {"format": FORMAT, "version": VERSION, "chars": list(self.chars)}

    @classmethod
    def from_json(cls, d: object) -> Vocab:
        """The vocabulary of a to_json() dictionary; ModelFileError if it is malformed."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ModelFileError(
                f"not an rnnlab vocabulary (expected format {FORMAT!r}); "
                "give the vocab.json of a run, or retrain"
            )
        if d.get("version") != VERSION:
            raise ModelFileError(
                f"vocabulary format version {d.get('version')!r} is not supported (this rnnlab "
                f"reads version {VERSION}); retrain, or use the rnnlab that wrote it"
            )
        chars = d.get("chars")
        if not isinstance(chars, list):
            raise ModelFileError("vocabulary has no list of 'chars'; the file is damaged")
        try:
            return cls(chars)
        except InputError as e:
            raise ModelFileError(f"vocabulary is damaged: {e}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the vocabulary to `path` as JSON, atomically."""
        atomic_write_text(path, json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Vocab:
        """The vocabulary saved at `path`; ModelFileError if missing or malformed."""
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelFileError(
                f"{path}: no vocabulary file there; check the run folder"
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ModelFileError(
                f"{path} cannot be read as JSON ({e}); the file is damaged"
            ) from None
        try:
            return cls.from_json(d)
        except ModelFileError as e:
            raise ModelFileError(f"{path}: {e}") from None


def pad(seqs: Sequence[np.ndarray], length: int | None = None) -> np.ndarray:
    """Sequences of ids as one (N, L) int64 matrix, each followed by padding (0) up to L:
    `length`, or the longest sequence when None. A sequence longer than `length` is an error."""
    lengths = [len(s) for s in seqs]
    L = max(lengths, default=0) if length is None else int(length)
    if L < 0:
        raise InputError(f"padded length must be 0 or more; got {L}")
    out = np.full((len(seqs), L), PAD, dtype=np.int64)  # (N, L)
    for i, s in enumerate(seqs):
        s = np.asarray(s)
        if s.ndim != 1:
            raise InputError(f"sequence {i} must be one-dimensional; got shape {s.shape}")
        if len(s) > L:
            raise InputError(
                f"sequence {i} has {len(s)} ids, more than the padded length {L}; "
                "cut it or pad to a longer length"
            )
        out[i, : len(s)] = s
    return out
