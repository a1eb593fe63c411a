"""The progressive (running-position) cipher: its shifts, keys, streaming and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlab.errors import CipherKeyError, InputError
from rnnlab.text.ciphers import Caesar, Progressive, make_cipher


def test_trithemius_shifts_each_letter_one_more_than_the_last() -> None:
    assert Progressive(0, 1).encrypt("ABC") == "ACE"
    assert Progressive(0).encrypt("AAAAA") == "ABCDE"
    assert Progressive(3, 2).encrypt("aaaa") == "dfhj"


def test_only_letters_advance_the_shift_and_case_is_kept() -> None:
    assert Progressive(0, 1).encrypt("a, a. A!") == "a, b. C!"
    assert Progressive(1, 1).encrypt("ñ 1 z") == "ñ 1 a"


def test_the_shifts_repeat_after_the_period() -> None:
    c = Progressive(5, 2)
    assert c.period == 13 and Progressive(0, 1).period == 26
    out = c.encrypt("A" * 27)
    assert out[:13] == out[13:26] and len(set(out[:13])) == 13


def test_step_one_on_one_letter_is_the_caesar_shift() -> None:
    assert Progressive(3, 1).encrypt("X") == Caesar(3).encrypt("X")


@given(st.text(max_size=200), st.integers(-60, 60), st.integers(1, 25))
def test_decrypt_inverts_encrypt(text: str, shift: int, step: int) -> None:
    c = Progressive(shift, step)
    assert c.decrypt(c.encrypt(text)) == text


@given(st.text(max_size=120), st.lists(st.integers(0, 40), max_size=6), st.booleans())
def test_streaming_in_chunks_equals_one_call(text: str, cuts: list[int], decrypt: bool) -> None:
    c = Progressive(7, 3)
    f = c.stream(decrypt=decrypt)
    bounds = sorted({0, len(text), *(min(x, len(text)) for x in cuts)})
    joined = "".join(f(text[a:b]) for a, b in zip(bounds[:-1], bounds[1:]))
    assert joined == (c.decrypt(text) if decrypt else c.encrypt(text))


def test_keys_are_parsed_as_typed() -> None:
    assert make_cipher("progressive", "3,1") == Progressive(3, 1)
    assert make_cipher("progressive", "29") == Progressive(3, 1)
    assert make_cipher("Trithemius", " 0 , 27 ") == Progressive(0, 1)
    assert make_cipher("progressive", "-1,2").key_str == "25,2"
    assert repr(Progressive(3, 1)) == "Progressive('3,1')"


@pytest.mark.parametrize("key", ["3,0", "3,26", "a", "1,2,3", "1.5", None])
def test_bad_keys_say_what_a_good_one_is(key: str | None) -> None:
    with pytest.raises(CipherKeyError):
        make_cipher("progressive", key)


def test_the_unknown_cipher_message_names_progressive() -> None:
    with pytest.raises(InputError, match="progressive"):
        make_cipher("enigma", "ABC")
