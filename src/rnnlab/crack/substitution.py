"""Simple substitution by iterated local search: every swap of two letters of the key is scored
at once as one numpy batch, the best is taken until none helps, then the best key so far is
shaken and climbed again; when that stops helping, a fresh random key is annealed and climbed.
The search ends at the deadline, or once fresh starts keep climbing back to the same best key.

Scores are letter quadgrams plus word log-probabilities (problem.py); the caller rescores the
final candidates with the language model. Shift ciphers are in solvers.py.
"""

from __future__ import annotations

import time

import numpy as np

from rnnlab.crack.problem import Problem
from rnnlab.crack.solvers import UPPER, Progress, Solution

CONFIRMATIONS = 3  # fresh starts that climb back to the best key before the search stops early
ANNEAL_T0, ANNEAL_T1, ANNEAL_STEPS = 8.0, 0.5, 120  # see _Climber.anneal
STUCK = 30  # climbs from the shaken best key without a better one before a fresh start


def _swap_pairs(present: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Pairs (i, j), i < j, of cipher letters whose swap can change the text: (P, 2)."""
    i, j = np.triu_indices(26, k=1)
    keep = (present[i] | present[j]) & ~fixed[i] & ~fixed[j]
    return np.stack([i[keep], j[keep]], axis=1)


def _frequency_key(problem: Problem) -> np.ndarray:
    """The map cipher -> plain that pairs letters by frequency rank: (26,)."""
    counts = np.bincount(problem.letters, minlength=26)
    cipher_rank = np.argsort(-counts, kind="stable")
    plain_rank = np.argsort(-problem.scorer.tables.mono, kind="stable")
    dec = np.empty(26, dtype=np.int64)
    dec[cipher_rank] = plain_rank
    return dec


class _Climber:
    """Steepest-ascent hill climbing over letter swaps of one Problem."""

    def __init__(self, problem: Problem, fixed: np.ndarray) -> None:
        self.problem = problem
        present = np.zeros(26, dtype=bool)
        present[problem.letters] = True
        self.present = present
        self.pairs = _swap_pairs(present, fixed)
        self.free = np.flatnonzero(present & ~fixed)
        self.stream = problem.stream

    def decrypt(self, decs: np.ndarray) -> np.ndarray:
        """Streams for maps decs (B, 26): (B, L)."""
        full = np.concatenate([decs, np.full((len(decs), 1), 26)], axis=1)
        return full[np.arange(len(decs))[:, None], self.stream[None, :]]

    def neighbours(self, dec: np.ndarray) -> np.ndarray:
        """The key `dec` with each swappable pair of letters swapped: (P, 26)."""
        batch = np.repeat(dec[None, :], len(self.pairs), axis=0)
        rows, i, j = np.arange(len(self.pairs)), self.pairs[:, 0], self.pairs[:, 1]
        batch[rows, i], batch[rows, j] = dec[j], dec[i]
        return batch

    def score_one(self, dec: np.ndarray, rough: bool = False) -> float:
        score = self.problem.rough if rough else self.problem.score
        return float(score(self.decrypt(dec[None, :]))[0])

    def climb(
        self, dec: np.ndarray, deadline: float, rough: bool = True
    ) -> tuple[np.ndarray, float]:
        """Climb on the rough score (if `rough`), then on the final one: (key, final score)."""
        if rough:
            dec, _ = self._climb(dec, deadline, rough=True)
        return self._climb(dec, deadline, rough=False)

    def _climb(self, dec: np.ndarray, deadline: float, rough: bool) -> tuple[np.ndarray, float]:
        score = self.problem.rough if rough else self.problem.score
        best = self.score_one(dec, rough)
        if len(self.pairs) == 0:
            return dec, best
        while time.monotonic() < deadline:
            batch = self.neighbours(dec)
            scores = score(self.decrypt(batch))
            k = int(np.argmax(scores))
            if scores[k] <= best + 1e-9:
                break
            dec, best = batch[k], float(scores[k])
        return dec, best

    def anneal(self, dec: np.ndarray, deadline: float, rng: np.random.Generator) -> np.ndarray:
        """Annealed climbing on the rough score: at each step every swap is scored and one is
        drawn with probability proportional to exp(score / T), T falling from ANNEAL_T0 to
        ANNEAL_T1 over ANNEAL_STEPS steps. Escapes the poor local optima that steepest ascent
        from a random key often stops in."""
        if len(self.pairs) == 0:
            return dec
        for T in np.geomspace(ANNEAL_T0, ANNEAL_T1, ANNEAL_STEPS):
            if time.monotonic() >= deadline:
                break
            batch = self.neighbours(dec)
            scores = self.problem.rough(self.decrypt(batch))
            w = np.exp((scores - scores.max()) / T)
            dec = batch[rng.choice(len(w), p=w / w.sum())]
        return dec

    def shake(self, dec: np.ndarray, rng: np.random.Generator, n_swaps: int) -> np.ndarray:
        dec = dec.copy()
        if len(self.pairs) == 0:
            return dec
        for k in rng.integers(0, len(self.pairs), size=n_swaps):
            i, j = self.pairs[k]
            dec[i], dec[j] = dec[j], dec[i]
        return dec


def solve_substitution(
    problem: Problem,
    deadline: float,
    rng: np.random.Generator,
    k: int = 5,
    seeds: list[dict[int, int]] | None = None,
    progress: Progress | None = None,
) -> list[Solution]:
    """Best k substitution keys found before `deadline`.

    seeds: partial maps {cipher letter: plain letter} (from a crib) that the search starts from
    and keeps fixed, one search each in turn; without seeds the search starts from the
    frequency order of the letters.
    """
    start = time.monotonic()
    found: dict[bytes, tuple[float, np.ndarray]] = {}
    starts = seeds or [{}]
    span = (deadline - start) / len(starts)
    for n, seed in enumerate(starts):
        stop = min(deadline, start + span * (n + 1))
        fixed = np.zeros(26, dtype=bool)
        dec = _frequency_key(problem)
        for c, p in seed.items():  # put plain letter p at cipher letter c, keep a permutation
            other = int(np.flatnonzero(dec == p)[0])
            dec[other], dec[c] = dec[c], p
            fixed[c] = True
        climber = _Climber(problem, fixed)
        _search(climber, dec, stop, rng, found, progress, start, deadline)
    ranked = sorted(found.values(), key=lambda sd: -sd[0])[:k]
    return [_solution(climber, dec, score) for score, dec in ranked]


def _search(
    climber: _Climber,
    dec: np.ndarray,
    stop: float,
    rng: np.random.Generator,
    found: dict[bytes, tuple[float, np.ndarray]],
    progress: Progress | None,
    start: float,
    deadline: float,
) -> None:
    """Iterated local search: climb, keep the local optimum, shake the best one and climb again
    (on the final score alone, so the letter statistics do not pull it back), and when that stops
    helping, climb from a fresh random key (letter statistics first). The search stops at `stop`,
    or early once CONFIRMATIONS fresh starts have climbed back to the best key."""
    best_dec, best = climber.climb(dec, stop)
    _keep(climber, found, best_dec, best)
    stale = 0
    rounds = 0
    confirmed = 0
    while time.monotonic() < stop and confirmed < CONFIRMATIONS:
        rounds += 1
        fresh = stale >= STUCK
        if fresh:
            base = climber.anneal(climber.shake(best_dec, rng, 40), stop, rng)
            stale = 0
        else:
            base = climber.shake(best_dec, rng, int(rng.integers(2, 5)))
        dec, score = climber.climb(base, stop, rough=fresh)
        _keep(climber, found, dec, score)
        if score > best + 1e-9:
            best_dec, best, stale, confirmed = dec, score, 0, 0
        else:
            stale += 1
            confirmed += fresh and score > best - 1e-9
        if progress and rounds % 20 == 0:
            span = max(deadline - start, 1e-9)
            progress(min(1.0, (time.monotonic() - start) / span), "substitution: climbing")


def _keep(
    climber: _Climber, found: dict[bytes, tuple[float, np.ndarray]], dec: np.ndarray, score: float
) -> None:
    """Remember a local optimum, once per distinct map of the letters that occur."""
    key = np.where(climber.present, dec, -1).astype(np.int8).tobytes()
    if key not in found or found[key][0] < score:
        found[key] = (score, dec.copy())


def _solution(climber: _Climber, dec: np.ndarray, score: float) -> Solution:
    """A Solution whose key is the encryption image: plain letter i -> key[i]."""
    image = [""] * 26
    for c in range(26):
        image[int(dec[c])] = UPPER[c]
    plain = climber.decrypt(dec[None, :])[0]
    return Solution("substitution", "".join(image), score, plain)


UNSETTLED_MARGIN = 3.0  # nats: a swap scoring this close to the best is a reading as good


def unsettled(problem: Problem, plain: np.ndarray, margin: float = UNSETTLED_MARGIN) -> list[str]:
    """The letters the text cannot settle: each swap of a plaintext letter with another, made
    throughout the decryption `plain` (L,), that scores within `margin` nats of it, as 'a/b'
    (the letter given, the alternative), closest first. `waving` with no k elsewhere gives
    'v/k' when `waking` reads as well."""
    base = float(problem.score(plain[None, :])[0])
    present = np.bincount(plain[plain < 26], minlength=26) > 0
    i, j = np.triu_indices(26, k=1)
    keep = present[i] | present[j]
    i, j = i[keep], j[keep]
    swapped = np.repeat(plain[None, :], len(i), axis=0)
    swapped[plain[None, :] == i[:, None]] = np.repeat(j, (plain[None, :] == i[:, None]).sum(1))
    swapped[plain[None, :] == j[:, None]] = np.repeat(i, (plain[None, :] == j[:, None]).sum(1))
    scores = problem.score(swapped) if len(i) else np.zeros(0)
    out = []
    for k in np.argsort(-scores, kind="stable"):
        if scores[k] < base - margin:
            break
        a, b = (i[k], j[k]) if present[i[k]] else (j[k], i[k])
        out.append(f"{UPPER[a].lower()}/{UPPER[b].lower()}")
    return out
