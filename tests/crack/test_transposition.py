"""Beaufort and the transpositions: each solver recovers a key from held-out English within a
small time budget, `crack` prints a key that `decrypt` takes, and auto names the family."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from rnnlab.crack import crack
from rnnlab.crack.detect import english_letters, looks_transposed
from rnnlab.crack.ngram import default_tables, letter_codes
from rnnlab.crack.problem import MAX_SYMBOLS, make_problem
from rnnlab.crack.solvers import solve_beaufort
from rnnlab.crack.transposition import column_key, solve_columnar, solve_railfence
from rnnlab.text.ciphers import Columnar, make_cipher
from rnnlab.text.heldout import heldout_text

from .conftest import LONG, MEDIUM


def _sample(start: int, letters: int) -> str:
    """Held-out English (the standard library's docstrings) holding `letters` letters."""
    text = heldout_text(start + 4 * letters)[start:]
    at = [i for i, c in enumerate(text) if c.isascii() and c.isalpha()]
    return text[: at[letters - 1] + 1]


@pytest.mark.parametrize("rails", [2, 3, 7, 10])
def test_every_rail_fence_is_tried_and_the_right_one_wins(rails: int) -> None:
    problem = make_problem(make_cipher("railfence", rails).encrypt(MEDIUM))
    assert solve_railfence(problem)[0].key == str(rails)


@pytest.mark.parametrize("key", ["ZEBRAS", "GERMAN", "CRYPTOGRAM"])
def test_columnar_recovers_the_column_order(key: str) -> None:
    problem = make_problem(make_cipher("columnar", key).encrypt(LONG))
    found = solve_columnar(problem, time.monotonic() + 4.0, np.random.default_rng(0))
    assert make_cipher("columnar", found[0].key).decrypt(problem.text) == LONG


def test_a_column_order_and_its_printed_key_agree() -> None:
    for order in itertools.permutations(range(5)):
        assert np.array_equal(Columnar(column_key(np.array(order))).columns, order)


@pytest.mark.parametrize("key", ["KEY", "FORTIFICATION"])
def test_beaufort_recovers_its_key(key: str) -> None:
    problem = make_problem(make_cipher("beaufort", key).encrypt(LONG))
    found = solve_beaufort(problem, time.monotonic() + 2.0, np.random.default_rng(0))
    assert found[0].key == key


@pytest.mark.parametrize(
    "family, key, letters",
    [("railfence", "5", 40), ("columnar", "QUICKLY", 100), ("beaufort", "KNIGHT", 300)],
)
def test_auto_names_the_family_and_the_key_decrypts(family: str, key: str, letters: int) -> None:
    plain = _sample(5_000, letters)
    secret = make_cipher(family, key).encrypt(plain)
    res = crack(secret, "auto", time_limit=8.0)
    assert res.best.cipher == family and res.best.plaintext == plain
    assert make_cipher(family, res.best.key).decrypt(secret) == plain  # as `decrypt` would


def test_a_long_transposition_is_searched_over_the_whole_text() -> None:
    plain = _sample(20_000, 1_600)
    assert len(letter_codes(plain)) > MAX_SYMBOLS // 2
    secret = make_cipher("railfence", "4").encrypt(plain)
    res = crack(secret, "railfence", time_limit=5.0)
    assert res.best.key == "4" and res.best.plaintext == plain


def test_english_letters_moved_look_transposed_and_changed_ones_do_not() -> None:
    english = default_tables().mono
    plain = _sample(40_000, 200)
    for name, key in (("columnar", "ZEBRAS"), ("railfence", "3")):
        assert looks_transposed(letter_codes(make_cipher(name, key).encrypt(plain)), english)
    for name, key in (("caesar", "3"), ("substitution", "ZEBRAS"), ("vigenere", "KEY")):
        changed = letter_codes(make_cipher(name, key).encrypt(plain))
        assert not looks_transposed(changed, english)
        assert english_letters(changed, english) > english_letters(letter_codes(plain), english)
