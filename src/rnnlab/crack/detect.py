"""Statistics that tell cipher families apart and give a Vigenere key's length: the index of
coincidence, per-column coincidence at each period, and the spacing of repeated sequences.

Pure functions of letter codes; nothing here decrypts or searches.
"""

from __future__ import annotations

import numpy as np

ENGLISH_IOC = 0.066  # chance two letters of English text are the same
RANDOM_IOC = 1 / 26  # the same for uniform random letters
MONO_IOC = 0.054  # above this a text's letters look like one alphabet (Caesar .. substitution)


def ioc(letters: np.ndarray) -> float:
    """Index of coincidence of letter codes (n,): sum n_i (n_i - 1) / (n (n - 1))."""
    n = len(letters)
    if n < 2:
        return 0.0
    c = np.bincount(letters, minlength=26).astype(np.float64)
    return float((c * (c - 1)).sum() / (n * (n - 1)))


def column_ioc(letters: np.ndarray, period: int) -> float:
    """Mean index of coincidence of the `period` columns letters[j::period]."""
    cols = [letters[j::period] for j in range(period)]
    return float(np.mean([ioc(c) for c in cols if len(c) > 1] or [0.0]))


def kasiski(letters: np.ndarray, max_period: int, n: int = 3) -> np.ndarray:
    """For each period 0..max_period, the share of spacings between repeated n-grams it divides,
    shape (max_period + 1,)."""
    votes = np.zeros(max_period + 1)
    if len(letters) <= n:
        return votes
    idx = np.zeros(len(letters) - n + 1, dtype=np.int64)
    for k in range(n):
        idx = idx * 26 + letters[k : len(letters) - n + 1 + k]
    order = np.argsort(idx, kind="stable")
    same = idx[order][1:] == idx[order][:-1]
    gaps = (order[1:] - order[:-1])[same]  # spacing between consecutive equal n-grams
    gaps = np.abs(gaps[gaps != 0])
    if len(gaps) == 0:
        return votes
    for p in range(2, max_period + 1):
        votes[p] = np.mean(gaps % p == 0)
    return votes


def period_ranking(letters: np.ndarray, max_period: int) -> list[int]:
    """Periods 1..max_period, most likely first: column coincidence near English's, helped by
    Kasiski spacings, and shorter periods first when close."""
    periods = np.arange(1, max_period + 1)
    col = np.array([column_ioc(letters, int(p)) for p in periods])
    fit = (col - RANDOM_IOC) / (ENGLISH_IOC - RANDOM_IOC)
    score = fit + 0.3 * kasiski(letters, max_period)[1:] - 0.01 * periods
    return [int(p) for p in periods[np.argsort(-score, kind="stable")]]


def looks_monoalphabetic(letters: np.ndarray) -> bool:
    """Whether the letters keep English's uneven frequencies (one alphabet, any family of
    Caesar, affine, substitution) rather than being flattened by a running key (Vigenere)."""
    return ioc(letters) >= MONO_IOC


# letter cross-entropy against English's frequencies, in nats a letter, below which a text's
# letters are English's own (a transposition moves them but keeps each): English itself scores
# about 2.9 (2.73-3.01 over 200 held-out texts of 200 letters), a substitution or shift of it
# 3.48 or more
TRANSPOSED_XENT = 3.25


def english_letters(letters: np.ndarray, english: np.ndarray) -> float:
    """Mean -log P_English(letter) over letter codes (n,), English's frequencies (26,)."""
    if len(letters) == 0:
        return float("inf")
    return float(-np.log(english[letters] + 1e-6).mean())


def looks_playfair(letters: np.ndarray, fewest: int = 20) -> bool:
    """Whether the letters (A = 0) can be a Playfair ciphertext: at least `fewest`, an even
    number, no J, and no pair (letters 1-2, 3-4, ...) of two equal letters. Other ciphertexts
    of 200 letters pass about one time in 200 (a substitution that hides J's letter and pairs
    no double), a Vigenere almost never (it has J's)."""
    n = len(letters)
    return (n >= fewest and n % 2 == 0 and not (letters == 9).any()
            and not (letters[0::2] == letters[1::2]).any())  # fmt: skip


def looks_transposed(letters: np.ndarray, english: np.ndarray) -> bool:
    """Whether the letters are English's own, only moved (columnar, rail fence)."""
    return english_letters(letters, english) < TRANSPOSED_XENT
