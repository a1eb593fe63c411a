"""Training-text augmentation: what it changes, what it must keep (the letters, in order), and
that it brings in every character it promises, the same for the same seed."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.text.augment import CHARS, SYMBOLS, augment
from rnnlab.text.corpus import default_text


@pytest.fixture(scope="module")
def text() -> str:
    return default_text()[:20_000]


def letters(s: str) -> str:
    return "".join(c.lower() for c in s if c.isascii() and c.isalpha())


def test_rate_zero_changes_nothing(text):
    assert augment(text, 0.0, np.random.default_rng(0)) == text


def test_the_letters_keep_their_order_and_only_promised_characters_are_added(text):
    out = augment(text, 0.3, np.random.default_rng(1))
    assert out != text and letters(out) == letters(text)
    assert set(out) - set(text) <= set(CHARS)


def test_every_symbol_digit_case_and_whitespace_change_turns_up(text):
    out = augment(text, 0.3, np.random.default_rng(2))
    assert set(SYMBOLS) <= set(out)
    assert "\n\n" in out and "\t" in out and "      " in out
    capitals = [w for w in out.split() if w.isalpha() and w.isupper() and len(w) > 3]
    assert len(capitals) > 100  # runs of capitals, not only single letters


def test_the_same_seed_gives_the_same_text(text):
    a = augment(text, 0.1, np.random.default_rng(3))
    assert a == augment(text, 0.1, np.random.default_rng(3))
    assert a != augment(text, 0.1, np.random.default_rng(4))


def test_each_change_happens_at_about_its_rate(text):
    words = len(text.split())
    out = augment(text, 0.1, np.random.default_rng(5))
    breaks = out.count("\n") - text.count("\n")
    assert 0.5 * 0.1 * words < breaks < 1.6 * 0.1 * words


def test_numbers_symbols_and_set_apart_punctuation_come_at_about_their_rates(text):
    words = len(text.split())
    out = augment(text, 0.2, np.random.default_rng(6))
    digits = sum(c.isdigit() for c in out) - sum(c.isdigit() for c in text)
    assert digits > 0.5 * 0.1 * words  # a number before a tenth of the words, 1 to 4 digits
    apart = len(re.findall(r"\w [,.;:!?]", out)) - len(re.findall(r"\w [,.;:!?]", text))
    assert apart > 0.2 * 0.1 * sum(w[-1] in ",.;:!?" for w in text.split())


def test_only_ascii_letters_change_case():
    out = augment("straße µ-meter fine " * 200, 0.5, np.random.default_rng(7))
    assert "ß" in out and "µ" in out and "SS" not in out
    assert letters(out) == letters("straße µ-meter fine " * 200)
