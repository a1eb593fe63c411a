"""The Playfair search: its batch decryption is the cipher's own, its climb reaches the
summit from a square one move away, auto names the family, and what Playfair cannot have made
is left alone."""

from __future__ import annotations

import time

import numpy as np

from rnnlab.crack import crack
from rnnlab.crack import playfair as pf
from rnnlab.crack.detect import looks_playfair
from rnnlab.crack.ngram import letter_codes
from rnnlab.crack.problem import make_problem
from rnnlab.text.ciphers import Playfair
from rnnlab.text.ciphers.playfair import square_of

PLAIN = ("When in the course of human events it becomes necessary for one people to dissolve "
         "the political bands which have connected them with another, and to assume among the "
         "powers of the earth the separate and equal station to which they are entitled")


def _square25(key: str) -> np.ndarray:
    sq = square_of(key)
    return np.where(sq > 9, sq - 1, sq)


def test_the_batch_deciphers_as_the_cipher_does() -> None:
    cipher = Playfair("MONARCHY")
    problem = make_problem(cipher.encrypt(PLAIN))
    batch = pf._Batch(problem, problem.letters)
    keys = np.stack([_square25("MONARCHY"), _square25("ZEBRAS")])
    plain = batch.plain(keys, np.argsort(keys, axis=1))
    secret = cipher.encrypt(PLAIN)
    want = [letter_codes(Playfair(k).decrypt(secret)) for k in ("MONARCHY", "ZEBRAS")]
    assert (plain == np.stack(want)).all()
    scores = batch.score(keys, np.argsort(keys, axis=1))
    assert scores[0] > scores[1] + 200  # the true square reads as English, by far


def test_the_polish_climbs_back_from_one_move_away() -> None:
    cipher = Playfair("MONARCHY")
    problem = make_problem(cipher.encrypt(PLAIN))
    batch = pf._Batch(problem, problem.letters)
    key = _square25("MONARCHY")
    moved = key.copy()
    moved[[3, 17]] = moved[[17, 3]]
    out = pf._polish(batch, moved, time.monotonic() + 5)[0]
    assert (batch.plain(out[None], np.argsort(out)[None]) == batch.plain(
        key[None], np.argsort(key)[None])).all()  # fmt: skip


def test_auto_names_playfair_and_leaves_other_ciphertexts_to_the_others() -> None:
    secret = Playfair("KEYWORD").encrypt(PLAIN)
    assert looks_playfair(letter_codes(secret))
    assert crack(secret, cipher="auto", time_limit=2, lm=False).detected == "playfair"
    assert not looks_playfair(letter_codes("Jack and Jill went up the hill"))
    assert pf.solve_playfair(make_problem("odd number of letters here x"), time.monotonic() + 1,
                             np.random.default_rng(0)) == []  # fmt: skip


def test_a_crack_reports_a_square_that_decrypt_takes() -> None:
    secret = Playfair("KEYWORD").encrypt(PLAIN)
    r = crack(secret, cipher="playfair", time_limit=2, lm=False, candidates=3)
    assert r.best.cipher == "playfair" and len(r.best.key) == 25
    assert Playfair(r.best.key).decrypt(secret) == r.best.plaintext
