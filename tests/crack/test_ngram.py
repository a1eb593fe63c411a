"""N-gram and word statistics: streams, scores that prefer English, the on-disk cache."""

from __future__ import annotations

import numpy as np

from rnnlab.crack import _cache
from rnnlab.crack.ngram import (
    SPACE,
    StreamScorer,
    build_tables,
    default_tables,
    letter_codes,
    symbol_stream,
)

from .conftest import LONG, MEDIUM


def test_symbol_stream_folds_case_and_collapses_non_letters() -> None:
    s = symbol_stream("Hi, there!")
    h, i, t, e, r = 7, 8, 19, 4, 17
    assert s.tolist() == [SPACE, h, i, SPACE, t, h, e, r, e, SPACE]
    assert letter_codes("a-Z 9").tolist() == [0, 25]


def test_english_scores_higher_than_the_same_letters_shuffled() -> None:
    s = symbol_stream(MEDIUM)
    rng = np.random.default_rng(0)
    shuffled = s.copy()
    pos = np.flatnonzero(s != SPACE)
    shuffled[pos] = rng.permutation(s[pos])
    scorer = StreamScorer(s)
    both = np.stack([s, shuffled])
    letters, words = scorer.letters(both), scorer.words(both)
    assert letters[0] > letters[1] + 100
    assert words[0] > words[1] + 50
    assert scorer.known_fraction(both)[0] > 0.5


def test_letter_tables_are_normalised_distributions() -> None:
    t = default_tables()
    quad = np.exp(t.quad.reshape(-1, 27)).sum(axis=1)
    assert np.allclose(quad, 1.0, atol=1e-3)
    assert abs(t.mono.sum() - 1.0) < 1e-9
    assert t.mono.argmax() == 4  # e


def test_tables_round_trip_through_the_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RNNLAB_CACHE", str(tmp_path))
    tables = build_tables(LONG * 3)
    path = _cache.table_file(words=False)
    assert path.parent == tmp_path
    _cache.save(path, {"quad": tables.quad, "mono": tables.mono})
    back = _cache.load(path)
    assert back is not None and np.allclose(back["quad"], tables.quad)
    path.write_bytes(b"not a zip")
    assert _cache.load(path) is None
