"""(cipher, plain) data for the decipherer: pairs files, case folding and encoding.

Arrays come out as numpy int64; turning them into tensors and batches on a device is the learning
wing's job. Nothing here trains or knows a model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlab.errors import DataError, InputError
from rnnlab.text._codepoints import code_points
from rnnlab.text._files import read_utf8
from rnnlab.text.ciphers import Cipher
from rnnlab.text.vocab import Vocab, pad

__all__ = [
    "PairData",
    "case_follows",
    "encode_pairs",
    "fold",
    "make_pairs",
    "read_pairs",
]


def _lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file (CR LF or LF), a final empty line ignored."""
    lines = read_utf8(path).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [x[:-1] if x.endswith("\r") else x for x in lines]


def read_pairs(
    plain_path: str | os.PathLike[str], cipher_path: str | os.PathLike[str]
) -> list[tuple[str, str]]:
    """(cipher, plain) pairs from two files where line i of `cipher_path` enciphers line i of
    `plain_path`. DataError, naming the first bad line (1-based), if the files differ in line
    count or a pair of lines differs in length; InputError if a file cannot be read as UTF-8."""
    plain_path, cipher_path = Path(plain_path), Path(cipher_path)
    plain, cipher = _lines(plain_path), _lines(cipher_path)
    for i, (c, p) in enumerate(zip(cipher, plain, strict=False), start=1):
        if len(c) != len(p):
            raise DataError(
                f"line {i}: {plain_path} has {len(p)} characters but {cipher_path} has {len(c)}; "
                "each cipher line must encipher the plain line with the same number"
            )
    if len(plain) != len(cipher):
        first = min(len(plain), len(cipher)) + 1
        raise DataError(
            f"{plain_path} has {len(plain)} lines but {cipher_path} has {len(cipher)}; "
            f"line {first} has no partner, give both files the same number of lines"
        )
    if not plain:
        raise DataError(f"{plain_path} and {cipher_path} are empty; give one phrase a line")
    return list(zip(cipher, plain, strict=True))


def make_pairs(texts: Sequence[str], cipher: Cipher) -> list[tuple[str, str]]:
    """(cipher.encrypt(t), t) for each text."""
    return [(cipher.encrypt(t), t) for t in texts]


def _cased(ch: str) -> int:
    """1 upper, -1 lower, 0 neither."""
    return 1 if ch.isupper() else -1 if ch.islower() else 0


def _case_classes(codes: np.ndarray) -> np.ndarray:
    """_cased of every code point in `codes`, (n,) int8, each distinct character asked once."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    return np.array([_cased(chr(u)) for u in uniq], dtype=np.int8)[inverse.reshape(-1)]


def case_follows(pairs: Sequence[tuple[str, str]]) -> bool:
    """True when, at every position where either the cipher or the plain character has a case,
    both have the same case. Then the model can work on folded (lowercase) text and the case of
    its output can be restored from its input, as the decoder does."""
    n = [min(len(c), len(p)) for c, p in pairs]
    a = code_points("".join(c[:k] for (c, _), k in zip(pairs, n)))
    b = code_points("".join(p[:k] for (_, p), k in zip(pairs, n)))
    differ = a != b
    return bool(np.array_equal(_case_classes(a[differ]), _case_classes(b[differ])))


def fold(text: str) -> str:
    """`text` lowercased character by character, its length kept (a character whose lowercase
    form is longer than one character, such as U+0130, is left as it is)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


@dataclass
class PairData:
    """Encoded pairs: src[i] enciphers tgt[i]; padding (0) after lengths[i]."""

    src: np.ndarray  # (N, L) int64 cipher ids
    tgt: np.ndarray  # (N, L) int64 plain ids
    lengths: np.ndarray  # (N,) int64 characters in each pair before padding


def _first_fault(pairs, src_vocab: Vocab, tgt_vocab: Vocab, side) -> None:
    """Raise, pair by pair in order, the error of the first pair at fault."""
    for i, (c, p) in enumerate(pairs):
        if len(c) != len(p):
            raise DataError(
                f"pair {i}: cipher has {len(c)} characters but plain has {len(p)}; "
                "a pair must have equal lengths"
            )
        try:
            src_vocab.encode(side(c)), tgt_vocab.encode(side(p))
        except InputError as e:
            raise InputError(f"pair {i}: {e}") from None


def encode_pairs(
    pairs: Sequence[tuple[str, str]], src_vocab: Vocab, tgt_vocab: Vocab, fold_case: bool
) -> PairData:
    """Encode (cipher, plain) pairs, folded to lowercase first when `fold_case`, padded to the
    longest pair. InputError naming the pair for a character a vocabulary lacks; DataError for a
    pair whose two sides differ in length."""
    side = fold if fold_case else (lambda t: t)
    lengths = np.array([len(c) for c, _ in pairs], dtype=np.int64)
    if not len(pairs):
        return PairData(src=pad([]), tgt=pad([]), lengths=lengths)
    try:  # every pair in one lookup per side
        if any(len(c) != len(p) for c, p in pairs):
            raise DataError("lengths differ")
        cuts = np.cumsum(lengths)[:-1]
        src = np.split(src_vocab.encode("".join(side(c) for c, _ in pairs)), cuts)
        tgt = np.split(tgt_vocab.encode("".join(side(p) for _, p in pairs)), cuts)
    except (DataError, InputError):
        _first_fault(pairs, src_vocab, tgt_vocab, side)
        raise
    return PairData(src=pad(src), tgt=pad(tgt), lengths=lengths)
