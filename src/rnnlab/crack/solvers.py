"""Key search for the shift ciphers: exhaustive for Caesar and affine, and for Vigenere the key
length from coincidences, each column by letter frequencies, then the whole refined by n-grams.

Each solver takes a Problem and a deadline (time.monotonic() seconds) and returns Solutions,
best first. Simple substitution lives in substitution.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rnnlab.crack.detect import period_ranking
from rnnlab.crack.ngram import SPACE
from rnnlab.crack.problem import Problem
from rnnlab.text.ciphers import AFFINE_MULTIPLIERS, UPPER

KEY_LETTER_COST = 6.0  # nats a Vigenere key pays per letter, so a key's multiples do not win
MAX_PERIOD = 20
PATIENCE = 60  # perturbed climbs without a better key after which the search stops


@dataclass(frozen=True)
class Solution:
    """A candidate decryption: the family and key as `make_cipher` takes them, and its score."""

    family: str  # caesar | affine | vigenere | beaufort | substitution | columnar | railfence
    key: str  # as typed on the command line: '3', '5,8', 'LEMON', or 26 letters
    score: float  # search score in nats (higher is better), comparable within one Problem
    plain: np.ndarray  # (L,) the decrypted symbol stream of the Problem


Progress = Callable[[float, str], None]  # (fraction of the time used, what is being tried)


def _decrypt_mono(problem: Problem, dec: np.ndarray) -> np.ndarray:
    """Streams for a batch of letter maps dec (B, 26) (cipher letter -> plain letter): (B, L)."""
    full = np.concatenate([dec, np.full((len(dec), 1), 26)], axis=1)  # boundary stays
    return np.take_along_axis(
        full, np.broadcast_to(problem.stream, (len(dec), len(problem.stream))), 1
    )


def _top(
    problem: Problem, family: str, keys: list[str], plain: np.ndarray, k: int
) -> list[Solution]:
    scores = problem.score(plain)
    order = np.argsort(-scores, kind="stable")[:k]
    return [Solution(family, keys[i], float(scores[i]), plain[i]) for i in order]


def solve_caesar(problem: Problem, k: int = 5) -> list[Solution]:
    """All 26 shifts scored; the best k."""
    shifts = np.arange(26)
    dec = (np.arange(26)[None, :] - shifts[:, None]) % 26  # (26, 26)
    return _top(problem, "caesar", [str(s) for s in shifts], _decrypt_mono(problem, dec), k)


def solve_affine(problem: Problem, k: int = 5) -> list[Solution]:
    """All 312 affine keys (a coprime with 26, any b) scored; the best k."""
    keys, rows = [], []
    c = np.arange(26)
    for a in AFFINE_MULTIPLIERS:
        a_inv = pow(a, -1, 26)
        for b in range(26):
            keys.append(f"{a},{b}")
            rows.append((a_inv * (c - b)) % 26)
    return _top(problem, "affine", keys, _decrypt_mono(problem, np.array(rows)), k)


def _decrypt_vigenere(problem: Problem, keys: np.ndarray) -> np.ndarray:
    """Streams for a batch of Vigenere keys (B, p) of shifts: (B, L)."""
    c = problem.letters
    p = keys.shape[1]
    plain = (c[None, :] - keys[:, np.arange(len(c)) % p]) % 26
    out = np.repeat(problem.stream[None, :], len(keys), axis=0)
    out[:, problem.letter_pos] = plain
    return out


def _column_init(problem: Problem, p: int) -> np.ndarray:
    """The shift of each of p columns whose letters best match English frequencies (chi-square)."""
    c = problem.letters
    english = problem.scorer.tables.mono
    key = np.zeros(p, dtype=np.int64)
    for j in range(p):
        col = np.bincount(c[j::p], minlength=26)
        # shifted[s, x] = count of plain letter x under shift s = count of cipher (x + s)
        shifted = col[(np.arange(26)[None, :] + np.arange(26)[:, None]) % 26]
        key[j] = int(np.argmax(shifted @ np.log(english + 1e-6)))
    return key


def _ascend(problem: Problem, key: np.ndarray, deadline: float) -> tuple[np.ndarray, float]:
    """Coordinate ascent: set each key letter to its best of 26 given the rest, until stable."""
    p = len(key)
    best = float(problem.score(_decrypt_vigenere(problem, key[None, :]))[0])
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        for j in range(p):
            batch = np.repeat(key[None, :], 26, axis=0)
            batch[:, j] = np.arange(26)
            scores = problem.score(_decrypt_vigenere(problem, batch))
            i = int(np.argmax(scores))
            if scores[i] > best + 1e-9:
                key, best, changed = batch[i].copy(), float(scores[i]), True
    return key, best


def _shortest_period(key: np.ndarray) -> np.ndarray:
    """The key cut to its shortest repeating unit (ABCABC -> ABC)."""
    p = len(key)
    for d in range(1, p):
        if p % d == 0 and np.array_equal(key, np.tile(key[:d], p // d)):
            return key[:d]
    return key


def solve_vigenere(
    problem: Problem,
    deadline: float,
    rng: np.random.Generator,
    k: int = 5,
    progress: Progress | None = None,
) -> list[Solution]:
    """Vigenere keys of 1..MAX_PERIOD letters: periods ranked by coincidences, each column set by
    letter frequencies, then coordinate ascent on the whole text; with time left, the best
    periods are refined again from perturbed keys. Scores carry KEY_LETTER_COST per letter."""
    n = len(problem.letters)
    periods = period_ranking(problem.letters, max(1, min(MAX_PERIOD, n // 3)))
    start = time.monotonic()
    found: dict[tuple[int, ...], float] = {}

    def record(key: np.ndarray, score: float) -> None:
        key = _shortest_period(key)
        penalised = score - KEY_LETTER_COST * len(key)
        t = tuple(key.tolist())
        found[t] = max(found.get(t, -np.inf), penalised)

    for p in periods:
        if time.monotonic() >= deadline:
            break
        if progress:
            progress(_used(start, deadline), f"vigenere: key length {p}")
        key, score = _ascend(problem, _column_init(problem, p), deadline)
        record(key, score)
    # perturb the best keys' letters and climb again while time remains
    tries, since_best, best = 0, 0, max(found.values(), default=-np.inf)
    while time.monotonic() < deadline and found and since_best < PATIENCE:
        ranked = sorted(found.items(), key=lambda kv: -kv[1])[:3]
        base = np.array(ranked[tries % len(ranked)][0], dtype=np.int64)
        if len(base) < 2:  # a one-letter key has no letters to perturb: count it and go on
            tries, since_best = tries + 1, since_best + 1
            continue
        key = base.copy()
        m = max(1, len(key) // 3)
        cols = rng.choice(len(key), size=m, replace=False)
        key[cols] = rng.integers(0, 26, size=m)
        key, score = _ascend(problem, key, deadline)
        record(key, score)
        tries += 1
        since_best += 1
        if max(found.values()) > best + 1e-9:
            best, since_best = max(found.values()), 0
        if progress and tries % 10 == 0:
            progress(_used(start, deadline), "vigenere: refining")
    ranked = sorted(found.items(), key=lambda kv: -kv[1])[:k]
    keys = [np.array(t, dtype=np.int64) for t, _ in ranked]
    out = []
    for key, (_, s) in zip(keys, ranked, strict=True):
        plain = _decrypt_vigenere(problem, key[None, :])[0]
        out.append(Solution("vigenere", "".join(UPPER[x] for x in key), s, plain))
    return out


def solve_beaufort(
    problem: Problem, deadline: float, rng: np.random.Generator, k: int = 5,
    progress: Progress | None = None,
) -> list[Solution]:  # fmt: skip
    """Beaufort keys, found as Vigenere keys of the negated letters: p = key - c is Vigenere's
    p = c' - key' with c' = -c and key' = -key (mod 26)."""
    s = problem.stream
    negated = replace(problem, stream=np.where(s == SPACE, SPACE, (26 - s) % 26))
    found = solve_vigenere(negated, deadline, rng, k, progress)
    problem.evaluations = negated.evaluations
    keys = ["".join(UPPER[(26 - UPPER.index(c)) % 26] for c in f.key) for f in found]
    return [Solution("beaufort", key, f.score, f.plain) for key, f in zip(keys, found)]


def _used(start: float, deadline: float) -> float:
    span = max(deadline - start, 1e-9)
    return min(1.0, (time.monotonic() - start) / span)
