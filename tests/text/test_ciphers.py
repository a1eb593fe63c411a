"""Classical ciphers: known vectors, round trips over arbitrary text, streaming, key errors."""

from __future__ import annotations

import math
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.errors import CipherKeyError, InputError
from rnnlab.text.ciphers import (
    CIPHER_NAMES,
    Affine,
    Atbash,
    Autokey,
    Beaufort,
    Caesar,
    Cipher,
    Columnar,
    RailFence,
    Rot13,
    Substitution,
    Vigenere,
    make_cipher,
)

LETTER_WORDS = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)
COPRIME = [a for a in range(26) if math.gcd(a, 26) == 1]

ciphers = st.one_of(
    st.integers(-1000, 1000).map(Caesar),
    st.just(Rot13()),
    st.just(Atbash()),
    st.builds(
        Affine,
        st.sampled_from(COPRIME).map(lambda a: a + 78),
        st.integers(-60, 60),
    ),
    LETTER_WORDS.map(Vigenere),
    LETTER_WORDS.map(Autokey),
    LETTER_WORDS.map(Substitution),
    st.permutations(string.ascii_uppercase).map(lambda p: Substitution("".join(p))),
    LETTER_WORDS.map(Beaufort),
)
# the ciphers that move letters among the letters' places
transpositions = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=2, max_size=12).map(Columnar),
    st.integers(2, 10).map(RailFence),
)
# arbitrary unicode, with plenty of ASCII letters so the key really advances
texts = st.text(st.one_of(st.characters(), st.sampled_from(string.ascii_letters)), max_size=300)


@pytest.mark.parametrize(
    ("cipher", "plain", "encrypted"),
    [
        (Vigenere("LEMON"), "ATTACKATDAWN", "LXFOPVEFRNHR"),
        (Vigenere("lemon"), "attack at dawn!", "lxfopv ef rnhr!"),
        (Affine(5, 8), "AFFINECIPHER", "IHHWVCSWFRCP"),
        (Autokey("QUEENLY"), "ATTACKATDAWN", "QNXEPVYTWTWP"),
        (Rot13(), "Hello, World!", "Uryyb, Jbeyq!"),
        (Atbash(), "Hello, World!", "Svool, Dliow!"),
        (Caesar(3), "and two", "dqg wzr"),
        (Beaufort("FORTIFICATION"), "DEFENDTHEEASTWALLOFTHECASTLE", "CKMPVCPVWPIWUJOGIUAPVWRIWUUK"),
        (RailFence(3), "WEAREDISCOVEREDFLEEATONCE", "WECRLTEERDSOEEFEAOCAIVDEN"),
        (Columnar("ZEBRAS"), "WEAREDISCOVEREDFLEEATONCE", "EVLNACDTESEAROFODEECWIREE"),
        (RailFence(3), "We are found!", "We ner fudao!"),
        (Caesar(-29), "dqg wzr", "and two"),
        (
            Substitution("ZEBRAS"),
            "FLEE AT ONCE. WE ARE DISCOVERED!",
            "SIAA ZQ LKBA. VA ZOA RFPBLUAOAR!",
        ),
    ],
)
def test_known_vectors_encrypt_and_decrypt(cipher: Cipher, plain: str, encrypted: str) -> None:
    assert cipher.encrypt(plain) == encrypted
    assert cipher.decrypt(encrypted) == plain


def test_only_letters_advance_the_vigenere_key() -> None:
    assert Vigenere("AB").encrypt("a a a") == "a b a"
    assert Vigenere("AB").encrypt("a1é a") == "a1é b"


def test_substitution_keyword_builds_the_alphabet() -> None:
    assert Substitution("zebra").key_str == "ZEBRACDFGHIJKLMNOPQSTUVWXY"
    perm = "QWERTYUIOPASDFGHJKLZXCVBNM"
    assert Substitution(perm).key_str == perm
    assert Substitution(perm).encrypt("Abc") == "Qwe"


@settings(max_examples=150, deadline=None)
@given(cipher=ciphers, text=texts)
def test_decrypt_inverts_encrypt_on_any_text(cipher: Cipher, text: str) -> None:
    assert cipher.decrypt(cipher.encrypt(text)) == text


@settings(max_examples=150, deadline=None)
@given(cipher=transpositions, text=texts)
def test_a_transposition_moves_letters_alone_and_decrypt_inverts_it(cipher: Cipher, text: str):
    out = cipher.encrypt(text)
    assert cipher.decrypt(out) == text and len(out) == len(text)
    letter = [c in string.ascii_letters for c in text]
    assert [c in string.ascii_letters for c in out] == letter  # the letters' places are kept
    assert [b for a, b in zip(text, out) if a not in string.ascii_letters] == [
        a for a in text if a not in string.ascii_letters
    ]
    assert sorted(a for a in text if a in string.ascii_letters) == sorted(
        b for b in out if b in string.ascii_letters
    )  # the same letters, case and all


def test_a_transposition_reads_the_text_whole_and_refuses_to_stream() -> None:
    assert RailFence(3).whole_text and not Caesar(3).whole_text
    with pytest.raises(CipherKeyError, match="cannot run over a text in pieces"):
        Columnar("ZEBRAS").stream()
    for bad, says in (("A", "2 to 12 letters"), ("ABCDEFGHIJKLM", "2 to 12 letters")):
        with pytest.raises(CipherKeyError, match=says):
            Columnar(bad)
    for rails in (1, 11):
        with pytest.raises(CipherKeyError, match="2 to 10 rails"):
            RailFence(rails)


@settings(max_examples=150, deadline=None)
@given(cipher=ciphers, text=texts)
def test_only_ascii_letters_change_and_keep_their_case(cipher: Cipher, text: str) -> None:
    out = cipher.encrypt(text)
    assert len(out) == len(text)
    for a, b in zip(text, out, strict=True):
        if a in string.ascii_uppercase:
            assert b in string.ascii_uppercase
        elif a in string.ascii_lowercase:
            assert b in string.ascii_lowercase
        else:
            assert a == b


@settings(max_examples=150, deadline=None)
@given(
    cipher=ciphers, text=texts, cuts=st.lists(st.integers(0, 300), max_size=8), dec=st.booleans()
)
def test_stream_over_chunks_equals_one_call(
    cipher: Cipher, text: str, cuts: list[int], dec: bool
) -> None:
    bounds = [0, *sorted(c for c in cuts if c <= len(text)), len(text)]
    feed = cipher.stream(decrypt=dec)
    streamed = "".join(feed(text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
    assert streamed == (cipher.decrypt(text) if dec else cipher.encrypt(text))


@settings(max_examples=100, deadline=None)
@given(cipher=ciphers)
def test_key_str_rebuilds_the_same_cipher(cipher: Cipher) -> None:
    rebuilt = make_cipher(cipher.name, cipher.key_str)
    assert rebuilt == cipher
    assert rebuilt.encrypt("The Quick Brown Fox") == cipher.encrypt("The Quick Brown Fox")


def test_make_cipher_parses_keys_as_typed() -> None:
    assert make_cipher("caesar", "3") == Caesar(3)
    assert make_cipher("Caesar", " -29 ") == Caesar(23)
    assert make_cipher("shift", 3) == Caesar(3)
    assert make_cipher("affine", "5,8") == Affine(5, 8)
    assert make_cipher("affine", "5, 34") == Affine(5, 8)
    assert make_cipher("vigenere", "lemon") == Vigenere("LEMON")
    assert make_cipher("autokey", "Queenly") == Autokey("QUEENLY")
    assert make_cipher("substitution", "zebra") == Substitution("ZEBRA")
    assert make_cipher("rot13") == Rot13()
    assert make_cipher("atbash", "") == Atbash()
    assert {
        make_cipher(n, k).name
        for n, k in zip(
            CIPHER_NAMES, ["1", None, None, "1,0", "A", "A", "A", "A", "AB", "2", "A"], strict=True
        )
    } == set(CIPHER_NAMES)


@pytest.mark.parametrize(
    ("name", "key", "needle"),
    [
        ("caesar", None, "whole number"),
        ("caesar", "three", "whole number"),
        ("caesar", "3.5", "whole number"),
        ("caesar", True, "whole number"),
        ("affine", "13,2", "a must be one of 1, 3, 5, 7, 9, 11, 15, 17, 19, 21, 23, 25"),
        ("affine", "2,1", "not coprime"),
        ("affine", "5", "a,b such as 5,8"),
        ("affine", "5,8,1", "a,b such as 5,8"),
        ("affine", "x,y", "a,b such as 5,8"),
        ("affine", None, "needs a key"),
        ("vigenere", "lem0n", "letters A-Z"),
        ("vigenere", "two words", "letters A-Z"),
        ("vigenere", None, "needs a key"),
        ("autokey", "é", "letters A-Z"),
        ("substitution", "ABC-DEF", "26 letters"),
        ("substitution", 7, "26 letters"),
        ("rot13", "3", "takes no key"),
        ("atbash", "x", "takes no key"),
    ],
)
def test_bad_keys_raise_cipher_key_error_saying_what_is_valid(
    name: str, key: object, needle: str
) -> None:
    with pytest.raises(CipherKeyError) as err:
        make_cipher(name, key)  # type: ignore[arg-type]
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_affine_message_for_a_13_is_exact() -> None:
    with pytest.raises(
        CipherKeyError, match=r"^affine key a=13 is not coprime with 26; a must be one of 1, 3, 5"
    ):
        Affine(13, 2)


def test_constructors_validate_keys_too() -> None:
    for build in (
        lambda: Caesar(1.5),
        lambda: Vigenere(""),
        lambda: Autokey("a b"),
        lambda: Substitution(""),
    ):
        with pytest.raises(CipherKeyError):
            build()  # type: ignore[no-untyped-call]


def test_unknown_cipher_lists_the_names() -> None:
    with pytest.raises(InputError) as err:
        make_cipher("enigma", "ABC")
    assert not isinstance(err.value, CipherKeyError)
    for name in CIPHER_NAMES:
        assert name in str(err.value)


def test_equal_ciphers_hash_alike_and_repr_shows_the_key() -> None:
    assert Caesar(3) == Caesar(29) and hash(Caesar(3)) == hash(Caesar(29))
    assert Caesar(3) != Caesar(4) and Caesar(13) != Rot13()
    assert repr(Vigenere("lemon")) == "Vigenere('LEMON')"
    assert repr(Rot13()) == "Rot13()"


def test_long_text_round_trips_through_autokey_quickly() -> None:
    text = ("Attack at dawn, 1 2 3! ñ " * 40_000)[:1_000_000]
    c = Autokey("QUEENLY")
    assert c.decrypt(c.encrypt(text)) == text
