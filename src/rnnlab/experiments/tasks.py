"""Synthetic long-range tasks with a known lag: the adding problem, recall of the first symbol,
and a delayed-recall stream. numpy arrays out, drawn from a numpy Generator; no torch, no models.
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import InputError
from rnnlab.nn.data import IGNORE  # the target of a step whose loss does not count
from rnnlab.text.pairs import PairData

ADDING_BASELINE = 1.0 / 6.0  # MSE of always answering 1, the mean of a sum of two U(0, 1)


def adding_problem(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter and Schmidhuber 1997): x (n, T, 2), y (n,).

    Channel 0 holds values drawn from U(0, 1); channel 1 marks two steps with 1, one in the
    first half and one in the second. The answer, read after the last step, is the sum of the
    two marked values, so the first marker lies between T/2 and T steps before the answer.
    """
    if T < 2:
        raise InputError(f"the adding problem needs T >= 2 steps, got {T}")
    values = rng.random((n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    marks = np.zeros((n, T))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    x = np.stack([values, marks], axis=-1)  # (n, T, 2)
    return x, (values * marks).sum(axis=1)


def first_symbol_pairs(n: int, T: int, symbols: int, rng: np.random.Generator) -> PairData:
    """Recall at the end the character seen T steps earlier: n sequences of T + 1 symbols.

    src (n, T + 1) holds ids 1..symbols drawn uniformly; tgt (n, T + 1) is 0 (padding, so the
    trainer's masked loss skips it) except at the last step, where it is src[:, 0]. Chance
    accuracy is 1 / symbols. The layout is the trainer's (src, tgt) pairs of equal length:

        src   c  a  d  b  a  ...  d  b       the first symbol, then T distractors
        tgt   0  0  0  0  0  ...  0  c       scored only at the end
    """
    if T < 1 or symbols < 2:
        raise InputError(f"need T >= 1 and at least 2 symbols, got T={T}, symbols={symbols}")
    src = rng.integers(1, symbols + 1, size=(n, T + 1)).astype(np.int64)
    tgt = np.zeros_like(src)
    tgt[:, -1] = src[:, 0]
    return PairData(src, tgt, np.full(n, T + 1, dtype=np.int64))


def delayed_stream(
    n: int, T: int, lag: int, symbols: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n streams of T symbols whose target at step t is the input at step t - lag.

    Returns ids (n, T) in 0..symbols-1 and targets (n, T): ids shifted right by `lag`, with
    IGNORE for the first `lag` steps, which have nothing to recall. Chance is 1 / symbols.

        step     1  2  3  4  5  6        lag = 2
        input    a  b  b  a  c  a
        target   -  -  a  b  b  a
    """
    if lag < 1 or lag >= T or symbols < 2:
        raise InputError(f"need 1 <= lag < T and 2+ symbols, got lag={lag}, T={T}, {symbols}")
    ids = rng.integers(0, symbols, size=(n, T)).astype(np.int64)
    targets = np.full_like(ids, IGNORE)
    targets[:, lag:] = ids[:, :-lag]
    return ids, targets
