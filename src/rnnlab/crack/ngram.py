"""Letter n-gram and word statistics of English, and a fast batch scorer of candidate plaintexts.

Tables are built from the built-in corpus on first use (a second at most), kept in memory and
never downloaded. This module knows nothing of ciphers: it scores symbol streams it is given.

A text becomes a *symbol stream*: letters a..z are 0..25 (case folded) and every run of other
characters is one word boundary, 26, with a boundary at each end:
    "Hi, there!"  ->  [26, h, i, 26, t, h, e, r, e, 26]
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, fields

import numpy as np

SPACE = 26  # the word-boundary symbol
SYMBOLS = 27  # 26 letters and the boundary
MAX_WORD = 12  # longer words are scored by letters alone (a word's hash must fit in int64)
WORD_NGRAM_SHARE = 1.0  # weight of wordfreq's in-word n-grams against the corpus's own
PAIR_ODDS = 0.5  # lambda / (1 - lambda) of the word-pair model (see pair_table)
PAIR_MIX = 0x9E3779B97F4A7C15  # odd 64-bit multiplier that mixes two word hashes into one

_ASCII = np.full(256, -1, dtype=np.int64)
for _i in range(26):
    _ASCII[ord("a") + _i] = _i
    _ASCII[ord("A") + _i] = _i


def letter_codes(text: str) -> np.ndarray:
    """The ASCII letters of `text` as codes 0..25 in order, shape (n_letters,)."""
    raw = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    codes = _ASCII[raw]
    return codes[codes >= 0]


def symbol_stream(text: str) -> np.ndarray:
    """`text` as a symbol stream (see the module docstring), shape (L,), int64."""
    raw = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    codes = _ASCII[raw]
    codes = np.where(codes < 0, SPACE, codes)
    codes = np.concatenate([[SPACE], codes, [SPACE]])
    keep = np.ones(len(codes), dtype=bool)
    keep[1:] = ~((codes[1:] == SPACE) & (codes[:-1] == SPACE))
    return codes[keep]


@dataclass(frozen=True)
class NgramTables:
    """Log-probabilities of English symbols, conditional and Witten-Bell smoothed."""

    quad: np.ndarray  # (27**4,) float32: log P(d | a b c) at index ((a*27 + b)*27 + c)*27 + d
    tri: np.ndarray  # (27**3,) float32: log P(c | a b)
    bi: np.ndarray  # (27**2,) float32: log P(b | a)
    mono: np.ndarray  # (26,) float64: letter frequencies, summing to 1
    word_hash: np.ndarray  # (n_words,) int64, sorted: hashes of known words (see word_hashes)
    word_logp: np.ndarray  # (n_words,) float32: log P(word) among all words
    unknown_logp: float  # log P of one unseen word
    pair_hash: np.ndarray  # (n_pairs,) uint64, sorted: hashes of known word pairs (pair_hashes)
    pair_bonus: np.ndarray  # (n_pairs,) float32: nats a pair adds to the word model (see below)


def _witten_bell(counts: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """P(w | h) from counts (H, 27) and the lower-order P(w | h') broadcast to (H, 27)."""
    total = counts.sum(axis=1, keepdims=True)
    types = (counts > 0).sum(axis=1, keepdims=True)
    return (counts + types * lower) / np.maximum(total + types, 1) + (total == 0) * lower


def build_tables(
    text: str,
    word_freq: dict[str, float] | None = None,
    pairs: WordPairs | None = None,
) -> NgramTables:
    """Count 1- to 4-grams and words of `text` into smoothed tables (about a second).

    With `word_freq` (word -> frequency in general English, e.g. from wordfreq), the n-grams
    inside those words are added to the counts with as much weight as the text's own, and the
    word table is theirs: this widens a small corpus's view of English. With `pairs` (counts of
    word pairs and of words in general English), the word model also rewards pairs of words
    that English puts together (see `pair_table`).
    """
    s = symbol_stream(text)
    V = SYMBOLS
    w = np.ones(len(s) - 3)
    if word_freq:
        ws, ww = _word_stream(word_freq)
        ww = ww * (WORD_NGRAM_SHARE * len(s) / ww.sum())
        s, w = np.concatenate([s, ws]), np.concatenate([w, np.zeros(3), ww])
    c4 = np.bincount(_ngram_index(s, 4), weights=w, minlength=V**4)
    c3 = c4.reshape(V, V, V, V).sum(axis=0)  # (b, c, d) counts
    c2 = c3.sum(axis=0)
    c1 = c2.sum(axis=0)
    p1 = (c1 + 0.5) / (c1.sum() + 0.5 * V)
    p2 = _witten_bell(c2, np.broadcast_to(p1, (V, V)))  # [a, b]
    p3 = _witten_bell(c3.reshape(V * V, V), np.tile(p2, (V, 1)))  # [ab, c] -> p2[b, c]
    p4 = _witten_bell(c4.reshape(V**3, V), np.tile(p3, (V, 1)))  # [abc, d] -> p3[bc, d]
    letters = c1[:26] / c1[:26].sum()

    if word_freq:
        counts_of = _split_words(word_freq)
    else:
        counts_of: dict[int, float] = {}
        for h in word_hashes(symbol_stream(text)).tolist():
            if h >= 0:
                counts_of[h] = counts_of.get(h, 0.0) + 1.0
    keys = np.array(sorted(counts_of), dtype=np.int64)
    counts = np.array([counts_of[k] for k in keys.tolist()], dtype=np.float64)
    total = counts.sum()
    floor = counts.min() / total
    return NgramTables(
        quad=np.log(p4).astype(np.float32).ravel(),
        tri=np.log(p3).astype(np.float32).ravel(),
        bi=np.log(p2).astype(np.float32).ravel(),
        mono=letters,
        word_hash=keys,
        word_logp=np.log(counts / total).astype(np.float32),
        unknown_logp=math.log(floor) - 3.0,
        **pair_table(pairs),
    )


@dataclass(frozen=True)
class WordPairs:
    """Counts of word pairs ("may not": 4.0e9) and of single words in one body of English."""

    pairs: dict[tuple[str, str], float]
    words: dict[str, float]


def pair_table(pairs: WordPairs | None) -> dict[str, np.ndarray]:
    """Sorted pair hashes and the bonus each pair (a, b) adds to a text's word score:

        log(1 + PAIR_ODDS * P(b | a) / P(b)),   P(b | a) = n(a b) / n(a),  P(b) = n(b) / N

    the log of an interpolated bigram model, lambda P(b | a) + (1 - lambda) P(b), against the
    unigram model alone, with lambda / (1 - lambda) = PAIR_ODDS. Pairs never seen add 0, so the
    score stays the unigram word model plus a reward for word pairs English uses. Only pairs of
    two plain words of at most MAX_WORD letters are kept."""
    if not pairs:
        return {"pair_hash": np.zeros(0, np.uint64), "pair_bonus": np.zeros(0, np.float32)}
    total = sum(pairs.words.values())
    vocab = sorted(w for w, n in pairs.words.items() if n > 0 and _plain_word(w))
    code = dict(zip(vocab, word_hashes(symbol_stream(" ".join(vocab))).tolist(), strict=True))
    first, second, bonus = [], [], []
    for (a, b), n in pairs.pairs.items():
        if a in code and b in code:
            first.append(code[a])
            second.append(code[b])
            bonus.append(PAIR_ODDS * (n / pairs.words[a]) / (pairs.words[b] / total))
    keys = pair_hashes(np.array(first, dtype=np.int64), np.array(second, dtype=np.int64))
    keys, where = np.unique(keys, return_index=True)
    bonus = np.log1p(np.array(bonus, dtype=np.float64)[where]).astype(np.float32)
    return {"pair_hash": keys, "pair_bonus": bonus}


def _plain_word(w: str) -> bool:
    return w.isascii() and w.isalpha() and len(w) <= MAX_WORD


def pair_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One uint64 hash of each pair of word hashes (any shape, wrapping multiplication)."""
    a = first.astype(np.uint64) * np.uint64(PAIR_MIX)
    return a + second.astype(np.uint64)


def _ngram_index(s: np.ndarray, n: int) -> np.ndarray:
    """Index of each n-gram of stream s in a flat 27**n table, shape (len(s) - n + 1,)."""
    idx = s[: len(s) - n + 1].astype(np.int64)
    for k in range(1, n):
        idx = idx * SYMBOLS + s[k : len(s) - n + 1 + k]
    return idx


def _word_stream(word_freq: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Words as one stream and a weight per 4-gram window: the word's frequency, 0 across words."""
    words = [w for w in word_freq if w.isascii() and w.isalpha()]
    freqs = np.array([word_freq[w] for w in words])
    s = symbol_stream(" ".join(words))  # "_w0_w1_..._"
    seg = np.cumsum(s == SPACE) - 1  # word k and its opening boundary have seg k
    start = seg[:-3]
    inside = (seg[3:] == start) | ((seg[3:] == start + 1) & (s[3:] == SPACE))
    weight = np.where(inside, freqs[np.minimum(start, len(freqs) - 1)], 0.0)
    return s, weight


def _split_words(word_freq: dict[str, float]) -> dict[int, float]:
    """Word hash -> frequency, splitting words at non-letters ("don't" -> "don", "t")."""
    text_of: dict[str, float] = {}
    for word, f in word_freq.items():
        simple = word.isascii() and word.isalpha()
        for part in (word,) if simple else re.split("[^a-z]+", word.lower()):
            if part and len(part) <= MAX_WORD:
                text_of[part] = text_of.get(part, 0.0) + f
    parts = list(text_of)
    s = symbol_stream(" ".join(parts))
    return dict(zip(word_hashes(s).tolist(), (text_of[p] for p in parts), strict=True))


def word_hashes(stream: np.ndarray) -> np.ndarray:
    """The hash of each word of a symbol stream, -1 for words longer than MAX_WORD, shape (n,)."""
    return _word_hash_matrix(stream[None, :], *_word_layout(stream))[0]


def _word_layout(stream: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (n_words, MAX_WORD), weights 27**j (0 on padding), and a long-word mask."""
    bounds = np.flatnonzero(stream == SPACE)
    starts, ends = bounds[:-1] + 1, bounds[1:]
    lengths = ends - starts
    starts, lengths = starts[lengths > 0], lengths[lengths > 0]
    j = np.arange(MAX_WORD)
    pos = np.minimum(starts[:, None] + j, len(stream) - 1)  # (n_words, MAX_WORD)
    weight = np.where(j < lengths[:, None], SYMBOLS**j, 0).astype(np.int64)
    return pos, weight, lengths > MAX_WORD


def _word_hash_matrix(
    plain: np.ndarray, pos: np.ndarray, weight: np.ndarray, too_long: np.ndarray
) -> np.ndarray:
    """Word hashes of a batch of streams (B, L) laid out alike: (B, n_words) int64."""
    h = ((plain[:, pos] + 1) * weight).sum(axis=2)
    return np.where(too_long, -1, h)


@functools.cache
def default_tables() -> NgramTables:
    """Tables of the built-in corpus (and wordfreq's words where it is installed): built on
    first use, then read from the user's cache folder, and kept in memory."""
    from rnnlab.crack import _cache
    from rnnlab.crack._corpus import training_text, word_frequencies, word_pairs

    path = _table_path()
    arrays = _cache.load(path)
    if arrays is not None and set(arrays) == {f.name for f in fields(NgramTables)}:
        return NgramTables(
            **{k: v for k, v in arrays.items() if k != "unknown_logp"},
            unknown_logp=float(arrays["unknown_logp"]),
        )
    tables = build_tables(training_text(), word_frequencies(), word_pairs())
    _cache.save(path, {f.name: np.asarray(getattr(tables, f.name)) for f in fields(NgramTables)})
    return tables


def _table_path():
    """Where `default_tables()` caches the tables for the word statistics installed."""
    from rnnlab.crack import _cache
    from rnnlab.crack._corpus import word_pairs_available, wordfreq_available

    return _cache.table_file(wordfreq_available(), word_pairs_available())


def tables_ready() -> bool:
    """Whether `default_tables()` returns at once: built in this process, or cached on disk."""
    return bool(default_tables.cache_info().currsize) or _table_path().is_file()


@functools.cache
def corpus_tables() -> NgramTables:
    """Tables of the built-in corpus alone (a quarter of a second to build, never cached): what
    a crack uses when the full tables are not built yet and its time limit is too short to
    build them."""
    from rnnlab.crack._corpus import training_text

    return build_tables(training_text())


class StreamScorer:
    """Scores a batch of plaintext streams that share one word layout (that of a ciphertext).

    `letters(plain)` is the letter log-likelihood, `words(plain)` the log-probability of the
    words, both shape (B,) for plain of shape (B, L). Both are in nats.
    """

    def __init__(self, template: np.ndarray, tables: NgramTables | None = None) -> None:
        self.tables = tables or default_tables()
        self.length = len(template)
        self.layout = _word_layout(template)
        self.n_words = len(self.layout[0])
        bounds = np.flatnonzero(template == SPACE)
        gaps = np.diff(bounds) > 1
        self.spans = (bounds[:-1][gaps] + 1, bounds[1:][gaps])  # each word's first letter, end

    def letters(self, plain: np.ndarray) -> np.ndarray:
        """Sum of log P(symbol | up to 3 before) over each stream (B, L) -> (B,)."""
        t = self.tables
        p = plain.astype(np.int64, copy=False)
        V = SYMBOLS
        out = t.bi[p[:, 0] * V + p[:, 1]]
        if p.shape[1] > 2:
            out = out + t.tri[(p[:, 0] * V + p[:, 1]) * V + p[:, 2]]
        if p.shape[1] > 3:
            idx = ((p[:, :-3] * V + p[:, 1:-2]) * V + p[:, 2:-1]) * V + p[:, 3:]
            out = out + t.quad[idx].sum(axis=1)
        return out.astype(np.float64)

    def contributions(self, plain: np.ndarray) -> np.ndarray:
        """log P(symbol | up to 3 before) at each position of each stream (B, L) -> (B, L);
        position 0 (a boundary) contributes 0."""
        t = self.tables
        p = plain.astype(np.int64, copy=False)
        V = SYMBOLS
        out = np.zeros(p.shape, dtype=np.float32)
        out[:, 1] = t.bi[p[:, 0] * V + p[:, 1]]
        if p.shape[1] > 2:
            out[:, 2] = t.tri[(p[:, 0] * V + p[:, 1]) * V + p[:, 2]]
        if p.shape[1] > 3:
            out[:, 3:] = t.quad[((p[:, :-3] * V + p[:, 1:-2]) * V + p[:, 2:-1]) * V + p[:, 3:]]
        return out

    def words_or_letters(self, plain: np.ndarray) -> np.ndarray:
        """A word model of each stream (B, L) -> (B,): a known word scores its log-probability,
        an unknown one the unknown-word penalty plus its letters' log-likelihood."""
        t = self.tables
        pos, weight, too_long = self.layout
        if self.n_words == 0:
            return self.letters(plain)
        p = plain.astype(np.int64, copy=False)
        c = np.cumsum(self.contributions(p), axis=1, dtype=np.float64)  # (B, L)
        starts, ends = self.spans
        char = c[:, ends] - c[:, starts - 1]  # letters and the closing boundary: (B, n_words)
        h = _word_hash_matrix(p, pos, weight, too_long)
        i = np.minimum(np.searchsorted(t.word_hash, h), len(t.word_hash) - 1)
        found = (t.word_hash[i] == h) & (h >= 0)
        out = np.where(found, t.word_logp[i], t.unknown_logp + char).sum(axis=1)
        return out + self.pairs(h)

    def pairs(self, h: np.ndarray) -> np.ndarray:
        """The word-pair bonus (see `pair_table`) of streams with word hashes h (B, n_words):
        (B,) nats, 0 without pair statistics."""
        t = self.tables
        if len(t.pair_hash) == 0 or h.shape[1] < 2:
            return np.zeros(len(h))
        ph = pair_hashes(h[:, :-1], h[:, 1:])
        i = np.minimum(np.searchsorted(t.pair_hash, ph), len(t.pair_hash) - 1)
        known = (t.pair_hash[i] == ph) & (h[:, :-1] >= 0) & (h[:, 1:] >= 0)
        return np.where(known, t.pair_bonus[i], 0.0).sum(axis=1)
