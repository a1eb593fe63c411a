"""Playfair: the published example, what comes through and what cannot come back, and the
round trips that do hold (encrypt(decrypt(c)) == c always; decrypt(encrypt(t)) == t for a text
already in Playfair's form)."""

from __future__ import annotations

import string

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.errors import CipherKeyError
from rnnlab.text.ciphers import Playfair, make_cipher
from rnnlab.text.ciphers.playfair import pair_up

KEYS = st.text(alphabet=string.ascii_letters, min_size=1, max_size=30).map(Playfair)
TEXTS = st.text(st.one_of(st.characters(), st.sampled_from(string.ascii_letters)), max_size=300)


def test_the_published_example() -> None:
    c = make_cipher("playfair", "playfairexample")
    assert "".join(chr(65 + v) for v in c.square) == "PLAYFIREXMBCDGHKNOQSTUVWZ"
    secret = c.encrypt("Hide the gold in the tree stump")
    assert secret.replace(" ", "").upper() == "BMODZBXDNABEKUDMUIXMMOUVIF"
    assert c.decrypt(secret) == "Hide the gold in the trexe stump"  # the X that split "ee"


def test_fillers_j_and_what_comes_through() -> None:
    c = Playfair("MONARCHY")
    secret = c.encrypt("Balloon, Jazz! 42")
    assert secret.endswith("! 42") and ", " in secret  # non-letters stay where they stand
    assert c.decrypt(secret) == "Balxloon, Iazxzx! 42"  # J read as I, X put between doubles
    assert secret[0].isupper() and secret[1:7].islower()


@given(cipher=KEYS, text=TEXTS)
def test_encrypting_a_decryption_gives_the_ciphertext_back(cipher: Playfair, text: str) -> None:
    secret = cipher.encrypt(text)
    assert cipher.encrypt(cipher.decrypt(secret)) == secret
    assert cipher.decrypt(secret) == cipher.decrypt(cipher.encrypt(cipher.decrypt(secret)))


@given(cipher=KEYS, text=TEXTS)
def test_a_text_already_in_playfair_form_comes_back_exactly(cipher: Playfair, text: str) -> None:
    filled = cipher.decrypt(cipher.encrypt(text))  # no J, pairs without doubles, even letters
    assert cipher.decrypt(cipher.encrypt(filled)) == filled
    letters = [c for c in text if c.isascii() and c.isalpha()]
    out = [c for c in filled if c.isascii() and c.isalpha()]
    assert len(out) == len(pair_up(np.array([ord(c.lower()) - 97 for c in letters], dtype=int))[0])


@pytest.mark.parametrize(
    ("text", "words"),
    [("ABC", "even number"), ("ABJK", "no J"), ("ABXXCD", "letters 3 and 4 are both X")],
)
def test_decrypt_refuses_what_playfair_cannot_have_made(text: str, words: str) -> None:
    with pytest.raises(CipherKeyError, match=words):
        Playfair("KEY").decrypt(text)


def test_playfair_reads_the_text_whole_and_refuses_a_bad_key() -> None:
    with pytest.raises(CipherKeyError, match="whole text"):
        Playfair("KEY").stream()
    with pytest.raises(CipherKeyError, match="keyword of letters"):
        make_cipher("playfair", "two words")
    assert Playfair("KEY").lossy and Playfair("KEY").whole_text
