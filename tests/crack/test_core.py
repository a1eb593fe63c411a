"""`crack`: auto detection, time limits, cribs, candidates and errors a user can fix."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from rnnlab.crack import crack
from rnnlab.errors import InputError
from rnnlab.text.ciphers import make_cipher

from .conftest import LONG, MEDIUM


@pytest.mark.parametrize(
    ("name", "key"), [("caesar", "3"), ("affine", "5,8"), ("vigenere", "LEMONADE")]
)
def test_auto_tells_the_family_and_recovers_key_and_plaintext(name: str, key: str) -> None:
    result = crack(make_cipher(name, key).encrypt(LONG), time_limit=3, lm=False)
    assert (result.best.cipher, result.best.key, result.best.plaintext) == (name, key, LONG)
    assert result.best.confidence > 0.9


def test_auto_solves_a_substitution_and_says_so() -> None:
    cipher = make_cipher("substitution", "QWERTYUIOPASDFGHJKLZXCVBNM")
    result = crack(cipher.encrypt(LONG), time_limit=4, lm=False)
    assert result.best.cipher == "substitution"
    assert result.best.plaintext == LONG
    assert result.detected == "substitution"


@pytest.mark.parametrize("limit", [0.5, 1.0])
def test_time_limit_is_honoured(limit: float) -> None:
    cipher = make_cipher("substitution", "ZEBRASCDFGHIJKLMNOPQTUVWXY").encrypt(MEDIUM)
    start = time.monotonic()
    crack(cipher, time_limit=limit)
    assert time.monotonic() - start < limit + 0.25


def test_crib_picks_the_reading_that_contains_it() -> None:
    # three letters leave Caesar ambiguous; the crib settles it
    result = crack("Uif", cipher="caesar", crib="the", time_limit=1, lm=False)
    assert result.best.plaintext == "The" and result.best.key == "1"


def test_candidates_are_ranked_and_distinct() -> None:
    result = crack(make_cipher("caesar", "11").encrypt(MEDIUM), time_limit=2, candidates=4)
    assert len(result.candidates) == 4
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert len({c.plaintext for c in result.candidates}) == 4
    assert result.candidates[0] == result.best


@pytest.mark.parametrize("text", ["", "   \n", "1234 !?"])
def test_no_letters_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        crack(text)


def test_unknown_family_is_an_input_error() -> None:
    with pytest.raises(InputError, match="choose one of"):
        crack("abc", cipher="enigma")


def test_crack_works_from_the_built_in_corpus_alone(monkeypatch, tmp_path) -> None:
    from rnnlab.crack import ngram

    monkeypatch.setenv("RNNLAB_NO_WORDFREQ", "1")
    monkeypatch.setenv("RNNLAB_NO_WORD_PAIRS", "1")
    monkeypatch.setenv("RNNLAB_CACHE", str(tmp_path))
    ngram.default_tables.cache_clear()
    try:
        result = crack(make_cipher("vigenere", "KEY").encrypt(LONG), time_limit=3, lm=False)
        assert result.best.plaintext == LONG
        assert len(ngram.default_tables().word_hash) < 10_000  # the corpus's own words
        assert len(ngram.default_tables().pair_hash) == 0
        assert list(tmp_path.glob("crack-ngrams-*-corpus.npz"))
    finally:
        ngram.default_tables.cache_clear()


class _NotBuilt:
    """Stands in for ngram.default_tables when nothing is built or cached: counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def cache_info(self) -> SimpleNamespace:
        return SimpleNamespace(currsize=0)

    def __call__(self) -> None:
        self.calls += 1


def test_a_first_crack_with_a_short_limit_keeps_it_with_the_corpus_tables(
    monkeypatch, tmp_path, capsys
) -> None:
    from rnnlab.cli import main
    from rnnlab.crack import ngram

    monkeypatch.setenv("RNNLAB_CACHE", str(tmp_path))  # nothing cached here
    full = _NotBuilt()
    monkeypatch.setattr(ngram, "default_tables", full)
    assert not ngram.tables_ready()
    cipher = make_cipher("caesar", "3").encrypt(MEDIUM)
    t0 = time.monotonic()
    result = crack(cipher, time_limit=2.0, lm=False)
    assert time.monotonic() - t0 < 2.0
    assert result.best.plaintext == MEDIUM and not result.full_statistics and full.calls == 0
    assert main(["crack", "--time-limit", "2", "--no-lm", cipher]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(MEDIUM)
    assert "--time-limit 6 or more builds" in captured.err
    assert full.calls == 0


def test_tables_are_ready_once_cached(monkeypatch, tmp_path) -> None:
    from rnnlab.crack import _cache, ngram
    from rnnlab.crack._corpus import word_pairs_available, wordfreq_available

    monkeypatch.setenv("RNNLAB_CACHE", str(tmp_path))
    monkeypatch.setattr(ngram, "default_tables", _NotBuilt())
    assert not ngram.tables_ready()
    _cache.table_file(wordfreq_available(), word_pairs_available()).write_bytes(b"x")
    assert ngram.tables_ready()


MAYOR = ("The flags were waving over the old town as the crowd gathered to hear the mayor speak "
         "about the harbour.")  # fmt: skip


def test_the_letters_a_text_cannot_settle_are_reported_and_no_others() -> None:
    from rnnlab.crack.problem import make_problem
    from rnnlab.crack.substitution import unsettled

    problem = make_problem(MAYOR)
    found = unsettled(problem, problem.stream.copy())
    assert "y/j" in found  # its only y is in mayor, and major reads as well
    assert all(len(p) == 3 and p[1] == "/" and p[0] in MAYOR.lower() for p in found)
    narrow = unsettled(problem, problem.stream.copy(), margin=0.5)
    assert set(narrow) <= set(found) and len(found) < 10  # a few letters, not the alphabet


def test_crack_reports_unsettled_letters_in_text_and_json(capsys) -> None:
    import json

    from rnnlab.cli import main

    secret = make_cipher("substitution", "QWERTYUIOPASDFGHJKLZXCVBNM").encrypt(MAYOR)
    res = crack(secret, "substitution", time_limit=6.0)
    assert res.ambiguous and all(p[0] in res.best.plaintext.lower() for p in res.ambiguous)
    wrong = {(g.lower(), t.lower()) for g, t in zip(res.best.plaintext, MAYOR) if g != t}
    assert wrong <= {(p[0], p[2]) for p in res.ambiguous}  # any error is one it flagged
    assert main(["crack", "--json", "-t", "6", "-c", "substitution", secret]) == 0
    assert json.loads(capsys.readouterr().out)["ambiguous"] == res.ambiguous
    assert main(["crack", "-t", "6", "-c", "substitution", secret]) == 0
    assert "ambiguous: " in capsys.readouterr().out
    assert crack(make_cipher("caesar", 3).encrypt(MAYOR)).ambiguous == []
