"""Held-out English of another style: standard-library docstrings, cleaned to prose."""

from __future__ import annotations

import re

import pytest

from rnnlab.errors import DataError, InputError
from rnnlab.text import heldout
from rnnlab.text.corpus import default_text, sentences
from rnnlab.text.heldout import heldout_text


@pytest.fixture(scope="module")
def text() -> str:
    return heldout_text(30_000)


def test_it_is_long_enough_and_a_shorter_request_is_a_prefix(text):
    assert len(text) >= 30_000 and text.endswith("\n")
    short = heldout_text(2_000)
    assert len(short) >= 2_000 and text.startswith(short[:-1])
    assert heldout_text(30_000) == text  # the same Python always gives the same text


def test_no_sentence_comes_from_the_default_corpus(text):
    corpus = set(sentences(default_text()))
    ours = sentences(text)
    assert len(ours) > 200 and not corpus.intersection(ours)
    assert len(set(ours)) == len(ours)  # every sentence once


def test_it_holds_prose_not_code(text):
    for para in text.split("\n\n"):
        assert para.strip() and para[0].isupper() and para.rstrip()[-1] in ".?!"
    assert not re.search(r">>>|\.\.\.|[_=<>{}`\\#@|*~$^&/+]|\w\(|\w\.\w", text)
    letters = sum(c.isalpha() for c in text)
    assert letters > 0.75 * sum(not c.isspace() for c in text)


def test_its_style_differs_from_the_corpus(text):
    """Quotes, brackets and digits the corpus lacks or barely has; shorter sentences."""
    corpus = default_text()
    assert '"' not in corpus and text.count('"') > 10
    mean = lambda t: sum(map(len, sentences(t))) / len(sentences(t))  # noqa: E731
    assert mean(text) < 0.9 * mean(corpus)


def test_asking_for_more_than_the_library_holds_says_how_much_there_is(monkeypatch):
    monkeypatch.setattr(heldout, "HELDOUT_MODULES", ("textwrap",))
    with pytest.raises(DataError, match="gives only"):
        heldout_text(1_000_000)
    with pytest.raises(InputError):
        heldout_text(0)


def test_a_module_without_source_is_skipped():
    assert heldout._module_paragraphs("sys") == ()  # built in: no .py file
    assert heldout._module_paragraphs("no_such_module_here") == ()
