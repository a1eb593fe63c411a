"""The one data layer the trainer reads: every kind of data is a Batches, whose `epoch(e)` lists
that epoch's pieces. A Piece is a batch of rows (B, L) that either starts from a zero state (a
batch of phrases) or carries each row's state in from the previous piece (a stream). Not here:
where the text comes from (datasets.py, streams.py) or what a step does (train.py).

    phrases   PhraseBatches   lines of similar length in each batch, formed anew every epoch
    streams   ColumnPieces    a text in columns (stream_columns), cut along time (the language
              StreamBatches   model); messages in columns, in segments (streams.py, decipherers)
    generated Generated       a fresh batch from a function at every step (keyless nets)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rnnlab.errors import DataError, InputError
from rnnlab.text.pairs import PairData

IGNORE = -100  # the target of a position whose loss does not count (padding, non-letters)


@dataclass
class Piece:
    """One batch: inputs and targets, row b of one continuing row b of the previous piece where
    keep[b] is True (streams); keep None starts every row from a zero state (phrases)."""

    src: np.ndarray  # (B, L) int64 ids, or (B, L, D) float features
    tgt: np.ndarray  # (B, L) int64 classes with IGNORE where no loss counts, or float targets
    keep: np.ndarray | None = None  # (B,) bool: rows whose state carries in from the last piece

    @property
    def fresh(self) -> bool:
        """Whether no state carries into this piece, so training may stop just before it."""
        return self.keep is None or not self.keep.any()


class Batches(Protocol):
    def epoch(self, epoch: int) -> Sequence[Piece]:
        """The pieces of `epoch` (0-based), in training order."""


@dataclass
class TrainData:
    """What the trainer reads: the training batches, the pieces it validates on, and the loss
    (None: cross-entropy over the targets that are not IGNORE)."""

    train: Batches
    val: Sequence[Piece] | None = None
    loss: Callable | None = None  # (output, target) -> scalar tensor, both (B, L, ...)


def phrase_data(train: PairData, val: PairData | None, batch_size: int, seed: int, by_length=True):
    """TrainData of encoded phrases: batches formed anew each epoch; validation in big batches."""
    batches = PhraseBatches(train, batch_size, seed, by_length)
    return TrainData(batches, None if val is None else PhraseBatches(val, 1024, None).epoch(0))


def stream_columns(ids: np.ndarray, batch: int) -> np.ndarray:
    """A long stream of ids (N,) cut into `batch` contiguous columns, (B, T) with T = N // B;
    the last N % B ids are dropped. Row b continues where row b - 1 left off in the text, and
    training walks the time axis in pieces, carrying each row's hidden state:

        ids:  a b c d e f g h i j k l m n o p q r s t u v w x (y z dropped)   N = 26, B = 4

              T = 6 ->     piece 1    piece 2
        row 0  [ a b c   | d e f ]     pieces along T; the state of row b
        row 1  [ g h i   | j k l ]     at the end of one piece starts the
        row 2  [ m n o   | p q r ]     next (truncated BPTT windows of k1
        row 3  [ s t u   | v w x ]     steps run inside each piece)

    (pytorch/examples' word_language_model batchify lays the same data out as (T, B).)"""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise InputError(f"a stream of ids is one-dimensional; got shape {ids.shape}")
    if batch < 1:
        raise InputError(f"the number of columns must be 1 or more; got {batch}")
    T = len(ids) // batch
    if T == 0:
        raise DataError(
            f"a stream of {len(ids)} ids is too short for {batch} columns; "
            "give more text or fewer columns"
        )
    return ids[: batch * T].reshape(batch, T)  # (B, T)


def length_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None, by_length: bool = True
) -> list[np.ndarray]:
    """Indices into `lengths` (N,) cut into batches of at most `batch_size`. With an `rng` the
    lines are first shuffled, then (by_length) sorted stably by length, so lines of one length
    land in different batches every epoch; the batches' order is then shuffled. Without an rng:
    shortest first. Every index appears exactly once."""
    if batch_size < 1:
        raise InputError(f"batch size must be 1 or more; got {batch_size}")
    lengths = np.asarray(lengths)
    order = np.arange(len(lengths)) if rng is None else rng.permutation(len(lengths))
    if by_length:
        order = order[np.argsort(lengths[order], kind="stable")]
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        batches = [batches[j] for j in rng.permutation(len(batches))]
    return batches


class PhraseBatches:
    """Encoded phrases in batches, each cut to its longest row, padding targeted as IGNORE."""

    def __init__(self, data: PairData, batch_size: int, seed: int | None, by_length: bool = True):
        self.data, self.batch_size, self.seed, self.by_length = data, batch_size, seed, by_length

    def epoch(self, epoch: int) -> list[Piece]:
        rng = None if self.seed is None else np.random.default_rng([self.seed, epoch])
        out = []
        for idx in length_batches(self.data.lengths, self.batch_size, rng, self.by_length):
            width = max(int(self.data.lengths[idx].max()), 1)
            tgt = self.data.tgt[idx, :width]
            out.append(Piece(self.data.src[idx, :width], np.where(tgt == 0, IGNORE, tgt)))
        return out


class ColumnPieces:
    """A stream of ids (N,) laid out in `columns` and cut along time into pieces of `length`
    (a whole number of `window`s): the inputs are each column's ids, the targets the ids one
    step later (a language model), every row's state carried from piece to piece. A tail that
    is not a whole number of windows ends in a piece of its own, so that TBPTT(window, window)
    runs every window as one chunk, word_language_model's loop: the last one only shorter."""

    def __init__(self, ids: np.ndarray, columns: int, length: int, window: int = 1) -> None:
        self.cols = stream_columns(ids, columns)  # (B, T)
        if self.cols.shape[1] < 2:
            raise DataError(f"the text is too short to train on ({len(ids)} symbols); give more")
        if length % window:
            raise InputError(f"pieces of {length} are not a whole number of windows of {window}")
        self.length, self.window = length, window

    def epoch(self, epoch: int) -> list[Piece]:
        x, y = self.cols[:, :-1], self.cols[:, 1:]
        T = x.shape[1]
        cuts = sorted({*range(0, T, self.length), T - T % self.window, T})
        keep = np.ones(len(x), dtype=bool)
        return [
            Piece(x[:, i:j], y[:, i:j], None if i == 0 else keep) for i, j in zip(cuts, cuts[1:])
        ]


class Generated:
    """`steps` fresh pieces an epoch, each make(rng) in turn. With a whole-number `seed` epoch 0
    draws from default_rng(seed) and epoch e from default_rng([seed, e]), so an epoch depends on
    (seed, epoch) alone and a resumed run draws what an uninterrupted one would; a Generator
    given as `seed` is drawn from as it is, epoch after epoch."""

    def __init__(self, make: Callable[[np.random.Generator], Piece], steps: int, seed) -> None:
        self.make, self.steps, self.seed = make, steps, seed

    def epoch(self, epoch: int) -> Sequence[Piece]:
        if isinstance(self.seed, np.random.Generator):
            return _Lazy(self.make, self.steps, self.seed)
        rng = np.random.default_rng(self.seed if epoch == 0 else [self.seed, epoch])
        return _Lazy(self.make, self.steps, rng)


class _Lazy(Sequence):
    """The pieces of one Generated epoch, made as they are iterated (in order, once)."""

    def __init__(self, make: Callable, n: int, rng: np.random.Generator) -> None:
        self.make, self.n, self.rng = make, n, rng

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        raise TypeError("generated pieces are made in order; iterate over them")

    def __iter__(self) -> Iterator[Piece]:
        return (self.make(self.rng) for _ in range(self.n))
