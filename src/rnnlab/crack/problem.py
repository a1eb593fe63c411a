"""One ciphertext laid out for search: its symbol stream, its letters, and how to score a batch
of candidate decryptions of it.

Every solver works on a `Problem`; it is not a solver and knows no cipher family.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnlab.crack.ngram import SPACE, NgramTables, StreamScorer, symbol_stream

MAX_SYMBOLS = 1500  # search on at most this much of a long text; the key then decrypts it all
CRIB_BONUS = 500.0  # nats added to a decryption that contains the crib: in effect a constraint


@dataclass
class Problem:
    """A ciphertext prepared for search (see the module docstring)."""

    text: str  # the ciphertext as given
    stream: np.ndarray  # (L,) symbols of the ciphertext, cipher letters 0..25, boundaries 26
    letter_pos: np.ndarray  # (n,) positions of the letters in `stream`
    scorer: StreamScorer
    crib: np.ndarray | None = None  # (m,) symbols of the known plaintext, or None
    evaluations: int = field(default=0)  # decryptions scored so far, for progress reports

    @property
    def letters(self) -> np.ndarray:
        """The cipher letters in order, (n,) int64."""
        return self.stream[self.letter_pos]

    def score(self, plain: np.ndarray) -> np.ndarray:
        """Score of each candidate plaintext stream, (B, L) -> (B,), in nats (higher is better):
        the word model (known words by frequency, unknown ones by their letters)."""
        self.evaluations += len(plain)
        return self._with_crib(plain, self.scorer.words_or_letters(plain))

    def rough(self, plain: np.ndarray) -> np.ndarray:
        """A smoother, six times cheaper score for climbing from afar: letter n-grams alone,
        (B, L) -> (B,)."""
        self.evaluations += len(plain)
        return self._with_crib(plain, self.scorer.letters(plain))

    def _with_crib(self, plain: np.ndarray, s: np.ndarray) -> np.ndarray:
        if self.crib is not None:
            s = s + CRIB_BONUS * contains(plain, self.crib)
        return s

    def fluency(self, plain: np.ndarray) -> np.ndarray:
        """Letter log-likelihood per symbol, (B, L) -> (B,): about -1.9 for English."""
        return self.scorer.letters(plain) / max(len(self.stream) - 1, 1)


def make_problem(
    text: str, crib: str | None = None, tables: NgramTables | None = None, whole: bool = False
) -> Problem:
    """A Problem for ciphertext `text` (and known plaintext `crib`, if any): its first
    MAX_SYMBOLS symbols, or all of them if `whole` (a transposition's letters come from
    anywhere in the text)."""
    stream = symbol_stream(text)[: None if whole else MAX_SYMBOLS]
    if stream[-1] != SPACE:
        stream = np.concatenate([stream, [SPACE]])
    crib_stream = None
    if crib is not None and crib.strip():
        crib_stream = symbol_stream(crib)[1:-1]
    return Problem(
        text=text,
        stream=stream,
        letter_pos=np.flatnonzero(stream != SPACE),
        scorer=StreamScorer(stream, tables),
        crib=crib_stream,
    )


def contains(plain: np.ndarray, crib: np.ndarray) -> np.ndarray:
    """Whether each stream (B, L) holds the symbols `crib` (m,) somewhere: (B,) bool."""
    B, L = plain.shape
    m = len(crib)
    if m == 0 or m > L:
        return np.zeros(B, dtype=bool)
    hit = np.ones((B, L - m + 1), dtype=bool)
    for k in range(m):
        hit &= plain[:, k : L - m + 1 + k] == crib[k]
    return hit.any(axis=1)
