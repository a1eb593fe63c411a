"""N-gram and word statistics: streams, scores that prefer English, the on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

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
    letters, words = scorer.letters(both), scorer.words_or_letters(both)
    assert letters[0] > letters[1] + 100
    assert words[0] > words[1] + 50


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


def test_word_pairs_reward_pairs_english_uses_and_leave_others_alone() -> None:
    from rnnlab.crack.ngram import PAIR_ODDS, WordPairs, word_hashes

    words = {"may": 100.0, "way": 100.0, "not": 300.0, "be": 500.0}
    pairs = WordPairs({("may", "not"): 40.0, ("not", "be"): 10.0, ("don't", "be"): 5.0}, words)
    plain = build_tables(LONG * 3)
    tables = build_tables(LONG * 3, pairs=pairs)
    assert len(tables.pair_hash) == 2  # "don't" is not one plain word: skipped
    assert np.all(np.diff(tables.pair_hash.astype(np.float64)) > 0)
    may, way = symbol_stream("it may not be"), symbol_stream("it way not be")
    both = np.stack([may, way])
    gain = StreamScorer(may, tables).words_or_letters(both) - StreamScorer(
        may, plain
    ).words_or_letters(both)
    total = sum(words.values())
    expected_may = np.log1p(PAIR_ODDS * (40 / 100) / (300 / total))
    expected_not_be = np.log1p(PAIR_ODDS * (10 / 300) / (500 / total))
    assert gain[0] == pytest.approx(expected_may + expected_not_be, rel=1e-5)
    assert gain[1] == pytest.approx(expected_not_be, rel=1e-5)  # "way not" is not a known pair
    assert len(word_hashes(may)) == 4


def test_shipped_statistics_know_common_word_pairs() -> None:
    from rnnlab.crack._corpus import word_pairs_available

    t = default_tables()
    if not word_pairs_available():
        assert len(t.pair_hash) == 0
        return
    may, way = symbol_stream("sentence may not be"), symbol_stream("sentence way not be")
    s = StreamScorer(may, t).words_or_letters(np.stack([may, way]))
    assert s[0] > s[1] + 2.0
