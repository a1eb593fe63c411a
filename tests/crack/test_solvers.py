"""Each solver recovers a known key from a short English sample within a small time budget."""

from __future__ import annotations

import time

import numpy as np
import pytest

from rnnlab.crack.core import crib_seeds
from rnnlab.crack.detect import ioc, looks_monoalphabetic, period_ranking
from rnnlab.crack.ngram import letter_codes
from rnnlab.crack.problem import make_problem
from rnnlab.crack.solvers import solve_affine, solve_caesar, solve_vigenere
from rnnlab.crack.substitution import solve_substitution
from rnnlab.text.ciphers import make_cipher

from .conftest import LONG, MEDIUM, SHORT


@pytest.mark.parametrize("shift", [1, 7, 13, 25])
def test_caesar_recovers_the_shift_of_a_short_sentence(shift: int) -> None:
    problem = make_problem(make_cipher("caesar", shift).encrypt(SHORT))
    assert solve_caesar(problem)[0].key == str(shift)


@pytest.mark.parametrize("key", ["5,8", "25,25", "3,0"])
def test_affine_recovers_both_numbers(key: str) -> None:
    problem = make_problem(make_cipher("affine", key).encrypt(MEDIUM))
    assert solve_affine(problem)[0].key == key


@pytest.mark.parametrize("key", ["KEY", "LEMONADE", "CRYPTOGRAM"])
def test_vigenere_recovers_keys_of_three_to_ten_letters(key: str) -> None:
    problem = make_problem(make_cipher("vigenere", key).encrypt(LONG))
    found = solve_vigenere(problem, time.monotonic() + 2.0, np.random.default_rng(0))
    assert found[0].key == key


def test_vigenere_key_length_ranks_near_the_top() -> None:
    letters = letter_codes(make_cipher("vigenere", "LEMONADE").encrypt(LONG))
    assert 8 in period_ranking(letters, 20)[:4]


def test_substitution_recovers_the_plaintext_of_three_hundred_letters() -> None:
    key = "QWERTYUIOPASDFGHJKLZXCVBNM"
    cipher = make_cipher("substitution", key)
    problem = make_problem(cipher.encrypt(LONG))
    found = solve_substitution(problem, time.monotonic() + 3.0, np.random.default_rng(0))
    assert make_cipher("substitution", found[0].key).decrypt(cipher.encrypt(LONG)) == LONG


def test_coincidence_tells_one_alphabet_from_a_running_key() -> None:
    plain = letter_codes(LONG)
    assert 0.055 < ioc(plain) < 0.085
    assert looks_monoalphabetic(letter_codes(make_cipher("substitution", "ZEBRA").encrypt(LONG)))
    assert not looks_monoalphabetic(letter_codes(make_cipher("vigenere", "LEMONADE").encrypt(LONG)))


def test_crib_seeds_map_the_crib_where_letter_patterns_agree() -> None:
    cipher = make_cipher("substitution", "QWERTYUIOPASDFGHJKLZXCVBNM")
    problem = make_problem(cipher.encrypt(MEDIUM), crib="honey")
    seeds = crib_seeds(problem)
    # h->I, o->G, n->F, e->T, y->N in this key: that placement must be among the seeds
    want = {ord(c) - 65: ord(p) - 97 for c, p in zip("IGFTN", "honey", strict=True)}
    assert want in seeds


def test_annealing_keeps_a_permutation_and_climbs_far_from_a_random_key() -> None:
    from rnnlab.crack.substitution import _Climber

    cipher = make_cipher("substitution", "QWERTYUIOPASDFGHJKLZXCVBNM")
    problem = make_problem(cipher.encrypt(LONG))
    climber = _Climber(problem, np.zeros(26, dtype=bool))
    rng = np.random.default_rng(1)
    start = rng.permutation(26)
    end = climber.anneal(start, time.monotonic() + 30.0, rng)
    assert sorted(end.tolist()) == list(range(26))
    assert climber.score_one(end, rough=True) > climber.score_one(start, rough=True) + 300


def test_substitution_search_stops_once_fresh_starts_agree() -> None:
    cipher = make_cipher("substitution", "MNBVCXZLKJHGFDSAPOIUYTREWQ")
    problem = make_problem(cipher.encrypt(LONG))
    t0 = time.monotonic()
    found = solve_substitution(problem, t0 + 120.0, np.random.default_rng(0))
    assert make_cipher("substitution", found[0].key).decrypt(cipher.encrypt(LONG)) == LONG
    assert time.monotonic() - t0 < 60.0  # converged long before the deadline
