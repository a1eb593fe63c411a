"""The default corpus is prose only and big enough; files, sentences, phrases and splits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.errors import DataError, InputError
from rnnlab.text.corpus import default_text, load_text, phrases, sentences, split

CODE_MARKS = re.compile(r"::=|>>>|[=_{}\[\]<>|\\@#`*\"]|\w\(|[A-Za-z_]\.\w\w")


def test_default_corpus_is_big_enough() -> None:
    text = default_text()
    # On CPython 3.11.7: 129,652 characters, 1,271 sentences, 1,791 phrases.
    assert len(text) > 80_000
    assert len(sentences(text)) > 800
    assert len(phrases(text)) > 1_000


def test_default_corpus_has_no_code_grammar_tables_or_markup() -> None:
    for line in default_text().splitlines():
        assert not line.startswith((" ", "\t")), line  # no indented blocks
        assert not CODE_MARKS.search(line), line
        assert not re.fullmatch(r"[*=\-~^+]{3,}", line), line  # no heading underlines
        assert not re.search(r"\[\d+\]", line), line  # no footnote references
        assert line.isascii(), line


def test_default_corpus_is_prose_sentences() -> None:
    sents = sentences(default_text())
    for s in sents:
        assert s[0].isupper() and s[-1] in ".?!", s
        assert len(s.split()) >= 4, s
    assert len(set(sents)) == len(sents)  # each sentence kept once
    assert "Return a copy of the string with leading characters removed." in sents


def test_default_corpus_is_deterministic() -> None:
    first = default_text()
    default_text.cache_clear()
    assert default_text() == first
    assert default_text() is default_text()  # cached


def test_sentences_split_on_terminal_punctuation_but_not_abbreviations() -> None:
    text = "This is one, e.g. a test. Is it two? Yes!  Three\nlines here.\n\nA new paragraph"
    assert sentences(text) == [
        "This is one, e.g. a test.",
        "Is it two?",
        "Yes!",
        "Three lines here.",
        "A new paragraph",
    ]
    assert sentences("") == []


def test_phrases_cut_long_sentences_at_word_boundaries() -> None:
    words = " ".join(f"word{i}" for i in range(60)) + "."
    out = phrases(words, max_len=40, min_len=10)
    assert all(len(p) <= 40 for p in out)
    assert " ".join(out) == words  # nothing lost when all pieces are long enough
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in out)


def test_phrases_drop_short_pieces_repeats_and_cut_giant_words() -> None:
    text = "Short. A sentence that is long enough. A sentence that is long enough. " + "x" * 25
    out = phrases(text, max_len=10, min_len=7)
    assert out.count("A sentence") == 1
    assert "Short." not in out and "xxxxxxxxxx" in out
    assert all(len(p) <= 10 for p in out)


def test_phrases_of_a_text_too_small_raise_data_error() -> None:
    with pytest.raises(DataError, match="no phrase"):
        phrases("Hi.", min_len=10)
    with pytest.raises(InputError):
        phrases("Enough words here.", max_len=5, min_len=10)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 200), seed=st.integers(0, 2**32 - 1))
def test_split_is_deterministic_disjoint_and_complete(n: int, seed: int) -> None:
    items = list(range(n))
    train, val, test = split(items, seed=seed)
    assert (train, val, test) == split(items, seed=seed)
    assert sorted(train + val + test) == items
    assert len(set(train) | set(val) | set(test)) == n
    assert abs(len(train) - 0.8 * n) <= 1


def test_split_seeds_differ_and_fractions_are_checked() -> None:
    items = [f"p{i}" for i in range(100)]
    assert split(items, seed=0)[0] != split(items, seed=1)[0]
    assert [len(p) for p in split(items, (0.5, 0.25, 0.25))] == [50, 25, 25]
    for bad in [(0.5, 0.5), (0.9, 0.2, -0.1), (0.5, 0.2, 0.2)]:
        with pytest.raises(InputError, match="summing to 1"):
            split(items, bad)


def test_load_text_reads_utf8(tmp_path: Path) -> None:
    f = tmp_path / "c.txt"
    f.write_text("Café au lait.\n", encoding="utf-8")
    assert load_text(f) == "Café au lait.\n"


@pytest.mark.parametrize(
    ("content", "error", "needle"),
    [
        (None, InputError, "no such file"),
        (b"\x00\x01binary", InputError, "binary"),
        (b"caf\xe9 latin-1", InputError, "iconv"),
        (b"", DataError, "empty"),
        (b"123 456 !!!\n", DataError, "no letters"),
    ],
)
def test_load_text_errors_say_how_to_fix(
    tmp_path: Path, content: bytes | None, error: type, needle: str
) -> None:
    f = tmp_path / "corpus.txt"
    if content is not None:
        f.write_bytes(content)
    with pytest.raises(error, match=needle) as err:
        load_text(f)
    assert "\n" not in str(err.value)


def test_load_text_of_a_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        load_text(tmp_path)
