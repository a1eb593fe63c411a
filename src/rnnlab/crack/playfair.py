"""Key search for Playfair: replica-exchange annealing over 5x5 squares, chains side by side.

Deciphering a pair in cell space does not depend on the key: the cells of two cipher letters
fix the cells of the two plain letters (same row: one to the left; same column: one up; else
each the other's column). So a square is a map from cells to letters, a candidate's plaintext
is a table lookup and a gather, and many squares are scored in one batch by 4-grams of English
read as one run of letters (`run_table`). CHAINS chains, each at its own temperature from hot
to cold, try TRIES moves a step (a swap of two cells mostly; of two rows or two columns, a flip
or the transpose of the square sometimes), take the best by the Metropolis rule, and every few
steps neighbouring temperatures swap squares, so that a good square found hot cools down. The
best square then climbs to its summit, and the squares are scored by words in the
ciphertext's layout.

What it reaches (docs/crack.md): scoring about 1.5 million squares in a 10 s crack, it solves
47% of 300-letter ciphertexts and 83% of 600-letter ones; a single chain solves them with about
as many steps taken one after another, which numpy runs too slowly (20 us a step).
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np

from rnnlab.crack.detect import looks_playfair
from rnnlab.crack.ngram import SYMBOLS, _ngram_index, _witten_bell, letter_codes
from rnnlab.crack.problem import Problem
from rnnlab.crack.solvers import Progress, Solution
from rnnlab.text.ciphers.playfair import ALPHABET25, J

CHAINS = 8  # squares annealed side by side, each at its own temperature
TRIES = 4  # moves each chain scores a step, taking its best by the Metropolis rule
BLOCK = 1024  # steps whose random draws are made at once
EXCHANGE = 4  # steps between two rounds of replica exchange
HOT, COLD = 0.4, 0.02  # the chains' temperatures, in nats a letter of ciphertext
POLISH = 0.3  # seconds kept at the end for the best square to climb to its summit
MIN_LETTERS = 20
SAMPLED_WORDS = 150_000  # words drawn by frequency into the run of letters the table counts


@functools.cache
def run_table() -> np.ndarray:
    """log P(d | a b c) of English read as one run of letters, no spaces (27**4,) float32, the
    way a Playfair plaintext is read: the built-in corpus's letters, and as many again of words
    drawn by their frequency in general English (wordfreq, where installed), one after another.
    Witten-Bell smoothed; about half a second, once a process."""
    from rnnlab.crack._corpus import training_text, word_frequencies

    runs = [letter_codes(training_text())]
    freq = word_frequencies()
    if freq:
        words = [w for w in freq if w.isascii() and w.isalpha()]
        p = np.array([freq[w] for w in words])
        drawn = np.random.default_rng(0).choice(len(words), SAMPLED_WORDS, p=p / p.sum())
        runs.append(letter_codes("".join(words[i] for i in drawn.tolist())))
    V = SYMBOLS
    counts = sum(np.bincount(_ngram_index(r, 4), minlength=V**4) for r in runs).astype(float)
    c3 = counts.reshape(V, V, V, V).sum(axis=0)
    c2 = c3.sum(axis=0)
    c1 = c2.sum(axis=0)
    p1 = (c1 + 0.5) / (c1.sum() + 0.5 * V)
    p2 = _witten_bell(c2, np.broadcast_to(p1, (V, V)))
    p3 = _witten_bell(c3.reshape(V * V, V), np.tile(p2, (V, 1)))
    p4 = _witten_bell(counts.reshape(V**3, V), np.tile(p3, (V, 1)))
    return np.log(p4).astype(np.float32).ravel()


def _pair_table() -> tuple[np.ndarray, np.ndarray]:
    """For cipher cells (a, b) at index a*25 + b: the two plain cells, deciphered."""
    a, b = np.divmod(np.arange(625), 25)
    ra, ca, rb, cb = a // 5, a % 5, b // 5, b % 5
    row, col = ra == rb, (ca == cb) & (ra != rb)
    na = np.where(row, ra * 5 + (ca - 1) % 5, np.where(col, ((ra - 1) % 5) * 5 + ca, ra * 5 + cb))
    nb = np.where(row, rb * 5 + (cb - 1) % 5, np.where(col, ((rb - 1) % 5) * 5 + cb, rb * 5 + ca))
    return na, nb


def _moves() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell permutations P (new cell c holds the letter of old cell P[c]), their inverses, and
    the chance of drawing each."""
    grid = np.arange(25).reshape(5, 5)
    swaps, shapes = [], []
    for i in range(25):
        for j in range(i + 1, 25):
            p = np.arange(25)
            p[i], p[j] = j, i
            swaps.append(p)
    for i in range(5):
        for j in range(i + 1, 5):
            g = grid.copy()
            g[[i, j]] = g[[j, i]]
            shapes.append(g.reshape(-1))
            g = grid.copy()
            g[:, [i, j]] = g[:, [j, i]]
            shapes.append(g.reshape(-1))
    shapes += [grid[::-1].reshape(-1), grid[:, ::-1].reshape(-1), grid.T.reshape(-1)]
    perms = np.array(swaps + shapes)
    weight = np.array([0.9 / len(swaps)] * len(swaps) + [0.1 / len(shapes)] * len(shapes))
    return perms, np.argsort(perms, axis=1), weight / weight.sum()


PAIRS = _pair_table()
PERMS, INVERSES, WEIGHTS = _moves()


class _Batch:
    """Scores squares (B, 25) of cell -> letter number (0..24, J left out) on one ciphertext."""

    def __init__(self, problem: Problem, letters: np.ndarray) -> None:
        c25 = np.where(letters > J, letters - 1, letters)
        self.a, self.b = c25[0::2], c25[1::2]
        self.problem, self.n = problem, len(letters)
        self.to26, self.table = ALPHABET25, run_table()

    def plain(self, keys: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """The plain letters (B, n), A = 0, of squares `keys` whose inverses are `pos`."""
        cell = pos[:, self.a] * 25 + pos[:, self.b]
        idx = np.empty((len(keys), self.n), dtype=np.int64)
        idx[:, 0::2], idx[:, 1::2] = PAIRS[0][cell], PAIRS[1][cell]
        idx += 25 * np.arange(len(keys))[:, None]  # flat gathers are the fastest here
        return self.to26[keys].ravel()[idx]

    def score(self, keys: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """4-gram log-likelihood of each square's plaintext, read as one run of letters."""
        s = self.plain(keys, pos)
        pair = s[:, :-1] * SYMBOLS + s[:, 1:]  # each two letters, then two pairs make a 4-gram
        self.problem.evaluations += len(s)
        return self.table[pair[:, :-2] * SYMBOLS**2 + pair[:, 2:]].sum(axis=1, dtype=np.float64)


def solve_playfair(problem: Problem, deadline: float, rng: np.random.Generator,
                   k: int = 5, progress: Progress | None = None) -> list[Solution]:  # fmt: skip
    """The best squares found by the deadline, as Solutions in the ciphertext's layout; [] for
    a text Playfair cannot have made."""
    if not looks_playfair(letter_codes(problem.text), MIN_LETTERS):  # the whole text
        return []
    letters = problem.letters
    letters = letters[: len(letters) - len(letters) % 2]  # a long text is cut to MAX_SYMBOLS
    batch = _Batch(problem, letters)
    T = len(letters) * np.geomspace(HOT, COLD, CHAINS)  # one temperature a chain, hot to cold
    keys = np.array([rng.permutation(25) for _ in range(CHAINS)])
    pos = np.argsort(keys, axis=1)
    score = batch.score(keys, pos)
    best_key, best = keys[np.argmax(score)].copy(), score.max()
    start, step = time.monotonic(), 0
    anneal = deadline - min(POLISH, 0.1 * (deadline - start))  # the rest is for the polish
    chain = np.repeat(np.arange(CHAINS), TRIES)
    rows, firsts = np.arange(CHAINS * TRIES)[:, None], np.arange(CHAINS) * TRIES
    while time.monotonic() < anneal:
        if step % BLOCK == 0:  # random draws come in blocks: fewer calls a step
            moves = rng.choice(len(PERMS), size=(BLOCK, CHAINS * TRIES), p=WEIGHTS)
            chance = np.log(rng.random((BLOCK, CHAINS)))
        move = moves[step % BLOCK]
        tried = np.take_along_axis(keys[chain], PERMS[move], axis=1)
        tried_pos = INVERSES[move][rows, pos[chain]]
        s = batch.score(tried, tried_pos).reshape(CHAINS, TRIES)
        pick = np.argmax(s, axis=1) + firsts  # each chain's best try
        s = s.ravel()[pick]
        take = (s - score) / T >= chance[step % BLOCK]  # the Metropolis rule
        keys[take], pos[take], score[take] = tried[pick][take], tried_pos[pick][take], s[take]
        step += 1
        if step % EXCHANGE == 0:
            if score.max() > best:
                best_key, best = keys[np.argmax(score)].copy(), score.max()
            _exchange(keys, pos, score, T, rng, (step // EXCHANGE) % 2)
        if progress and step % 500 == 0:
            share = (time.monotonic() - start) / max(deadline - start, 1e-9)
            progress(share, f"playfair: {CHAINS} squares annealed, step {step:,}")
    if score.max() > best:
        best_key = keys[np.argmax(score)].copy()
    polished = _polish(batch, best_key, deadline)
    return _solutions(problem, batch, np.vstack([polished, keys]), k)


def _exchange(keys, pos, score, T, rng, odd: int) -> None:
    """Replica exchange: neighbouring temperatures swap their squares by the Metropolis rule
    (every other pair each step), so a good square found hot cools down."""
    i = np.arange(odd, len(T) - 1, 2)
    j = i + 1
    swap = rng.random(len(i)) < np.exp(np.minimum((score[j] - score[i]) * (1 / T[i] - 1 / T[j]), 0))
    a, b = i[swap], j[swap]
    keys[a], keys[b] = keys[b].copy(), keys[a].copy()
    pos[a], pos[b] = pos[b].copy(), pos[a].copy()
    score[a], score[b] = score[b].copy(), score[a].copy()


def _polish(batch: _Batch, key: np.ndarray, deadline: float) -> np.ndarray:
    """Steepest ascent over every move from `key` until none is better (or the deadline)."""
    pos = np.argsort(key)
    current = batch.score(key[None], pos[None])[0]
    while time.monotonic() < deadline:
        tried = key[PERMS]
        s = batch.score(tried, np.argsort(tried, axis=1))
        if s.max() <= current:
            break
        key, current = tried[np.argmax(s)], s.max()
        pos = np.argsort(key)
    return key[None]


def _solutions(problem: Problem, batch: _Batch, keys: np.ndarray, k: int) -> list[Solution]:
    """The distinct best squares, scored by words in the ciphertext's layout."""
    keys = np.unique(keys, axis=0)
    plain = batch.plain(keys, np.argsort(keys, axis=1))
    stream = np.repeat(problem.stream[None, :], len(keys), axis=0)
    stream[:, problem.letter_pos[: batch.n]] = plain
    scores = problem.score(stream) - math.log(math.factorial(25) / 25)  # a square's cost
    order = np.argsort(-scores, kind="stable")[:k]
    names = ["".join(chr(65 + int(c)) for c in ALPHABET25[keys[i]]) for i in order]
    return [Solution("playfair", n, float(scores[i]), stream[i]) for n, i in zip(names, order)]
