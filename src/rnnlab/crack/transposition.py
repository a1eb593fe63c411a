"""Key search for the transpositions: every rail fence of 2 to 10 rails, and for columnar
transposition each key length from 2 to 12, the order of its columns found by climbing from
random orders (every order for up to 6 columns) on letter n-grams, the best then rescored by
words. The ciphertext's word breaks are the plaintext's (only letters move), so the whole word
model applies. Each solver takes a Problem and returns Solutions, best first.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from rnnlab.crack.problem import MAX_SYMBOLS, Problem, make_problem
from rnnlab.crack.solvers import Progress, Solution, _used
from rnnlab.text.ciphers import UPPER, RailFence
from rnnlab.text.ciphers.transposition import COLUMNAR_KEY, RAILS

EXHAUSTIVE = 6  # key lengths up to this are searched over every column order
PATIENCE = 8  # climbs from random orders without a better one, after which a length is done


def whole_problem(problem: Problem) -> Problem:
    """The Problem over the whole text where it was cut to MAX_SYMBOLS: a transposition's
    letters come from all of it."""
    if len(problem.stream) < MAX_SYMBOLS:
        return problem
    full = make_problem(problem.text, tables=problem.scorer.tables, whole=True)
    full.crib = problem.crib
    return full


def _solutions(problem: Problem, full: Problem, family: str, keys, scores, plain) -> list:
    """Solutions of `full` reported on `problem`: their streams cut to its length."""
    problem.evaluations += full.evaluations if full is not problem else 0
    L = len(problem.stream)
    return [Solution(family, k, float(s), p[:L]) for k, s, p in zip(keys, scores, plain)]


def _plains(problem: Problem, perms: np.ndarray) -> np.ndarray:
    """Streams for a batch of letter permutations (B, n): plain letter perms[b, k] is cipher
    letter k, so (B, L)."""
    c = problem.letters
    plain = np.empty(perms.shape, dtype=np.int64)
    np.put_along_axis(plain, perms, np.broadcast_to(c, perms.shape), axis=1)
    out = np.repeat(problem.stream[None, :], len(perms), axis=0)
    out[:, problem.letter_pos] = plain
    return out


def solve_railfence(problem: Problem, k: int = 5) -> list[Solution]:
    """Every rail fence from 2 to 10 rails (fewer than the letters), scored by words."""
    full = whole_problem(problem)
    n = len(full.letters)
    rails = [r for r in range(RAILS[0], RAILS[1] + 1) if r < max(n, 3)]
    plain = _plains(full, np.array([RailFence(r).order(n) for r in rails]))
    scores = full.score(plain) - math.log(len(rails))
    best = np.argsort(-scores, kind="stable")[:k]
    return _solutions(problem, full, "railfence", [str(rails[i]) for i in best], scores[best],
                      plain[best])  # fmt: skip


def _perms(columns: np.ndarray, n: int) -> np.ndarray:
    """Letter permutations of a batch of column read orders (B, w)."""
    w = columns.shape[1]
    starts = [np.arange(j, n, w) for j in range(w)]
    return np.array([np.concatenate([starts[j] for j in row]) for row in columns])


def _neighbours(order: np.ndarray) -> np.ndarray:
    """Every order one swap or one move of a column away (B, w)."""
    w = len(order)
    out = []
    for i, j in itertools.combinations(range(w), 2):
        o = order.copy()
        o[i], o[j] = o[j], o[i]
        out.append(o)
    for i in range(w):
        rest = np.delete(order, i)
        for j in range(w):
            if j != i:
                out.append(np.insert(rest, j, order[i]))
    return np.array(out)


def _climb(problem: Problem, order: np.ndarray, deadline: float) -> tuple[np.ndarray, float]:
    n = len(problem.letters)
    best = float(problem.rough(_plains(problem, _perms(order[None, :], n)))[0])
    while time.monotonic() < deadline:
        near = _neighbours(order)
        scores = problem.rough(_plains(problem, _perms(near, n)))
        i = int(np.argmax(scores))
        if scores[i] <= best + 1e-9:
            break
        order, best = near[i], float(scores[i])
    return order, best


def solve_columnar(
    problem: Problem, deadline: float, rng: np.random.Generator, k: int = 5,
    progress: Progress | None = None,
) -> list[Solution]:  # fmt: skip
    """Columnar keys of 2..12 letters (at most a third of the letters), each length given an
    equal share of the time; scores carry log(w!) nats for a key of w letters, so a longer key
    wins only where it reads better by more than its freedom."""
    problem, asked = whole_problem(problem), problem
    n = len(problem.letters)
    widths = [w for w in range(COLUMNAR_KEY[0], COLUMNAR_KEY[1] + 1) if w <= max(2, n // 3)]
    start, found = time.monotonic(), {}
    for i, w in enumerate(widths):
        now = time.monotonic()
        stop = now + (deadline - now) / (len(widths) - i)
        if progress:
            progress(_used(start, deadline), f"columnar: key length {w}")
        if w <= EXHAUSTIVE:
            orders = np.array(list(itertools.permutations(range(w))))
            scores = problem.rough(_plains(problem, _perms(orders, n)))
            for j in np.argsort(-scores)[:3]:
                found[tuple(orders[j])] = float(scores[j])
            continue
        since, best = 0, -np.inf  # climbs without a better order; the best of this length
        while since < PATIENCE and time.monotonic() < stop:
            order, score = _climb(problem, rng.permutation(w), stop)
            since = 0 if score > best + 1e-9 else since + 1
            best = max(best, score)
            found[tuple(order)] = max(found.get(tuple(order), -np.inf), score)
    ranked = sorted(found, key=lambda o: -found[o])[: 4 * k]
    orders = [np.array(o) for o in ranked]
    plain = np.concatenate([_plains(problem, _perms(o[None, :], n)) for o in orders])
    scores = problem.score(plain) - np.array([math.lgamma(len(o) + 1) for o in orders])
    best = np.argsort(-scores, kind="stable")[:k]
    keys = [column_key(orders[i]) for i in best]
    return _solutions(asked, problem, "columnar", keys, scores[best], plain[best])


def column_key(order: np.ndarray) -> str:
    """A keyword whose letters' alphabetical order reads the columns in `order`: column j gets
    the letter of its place in the order (A first)."""
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    return "".join(UPPER[p] for p in place)

