"""The character vocabulary: id order, padding, unknown characters, JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.errors import DataError, InputError, ModelFileError
from rnnlab.text.vocab import PAD, Vocab, pad


def test_ids_go_by_descending_frequency_from_one() -> None:
    v = Vocab.fit(["abb", "cbc c"])
    assert v.chars == ("b", "c", "a", " ")  # b:3, c:3 (b first seen first), a:1, ' ':1
    assert v.encode("abc ").tolist() == [3, 1, 2, 4]
    assert PAD == 0 and len(v) == 4 and v.size == 5


def test_ties_go_by_first_appearance_across_texts() -> None:
    assert Vocab.fit(["xy", "zyx", "z"]).chars == ("x", "y", "z")
    assert Vocab.fit(["dcba"]).chars == ("d", "c", "b", "a")


def test_contains_and_id() -> None:
    v = Vocab.fit(["hello"])
    assert "l" in v and "z" not in v and "" not in v
    assert v.id("l") == 1
    with pytest.raises(InputError):
        v.id("z")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_decode_inverts_encode_on_any_unicode(texts: list[str]) -> None:
    v = Vocab.fit(texts)
    for t in texts:
        ids = v.encode(t)
        assert ids.dtype == np.int64 and ids.shape == (len(t),)
        assert ids.min() >= 1 and ids.max() < v.size
        assert v.decode(ids) == t


def test_decode_skips_padding_and_rejects_ids_out_of_range() -> None:
    v = Vocab.fit(["ab"])
    assert v.decode(np.array([[1, 2, 0], [0, 0, 0]])) == "ab"
    assert v.decode([]) == ""
    with pytest.raises(InputError, match="id 3 is outside"):
        v.decode([1, 3])
    with pytest.raises(InputError, match="integers"):
        v.decode(np.array([1.0]))


def test_unknown_character_error_names_it_and_its_position() -> None:
    v = Vocab.fit(["abc "])
    with pytest.raises(InputError, match=r"'é' \(U\+00E9\) at position 3") as err:
        v.encode("abcé a")
    assert "\n" not in str(err.value)


def test_known_mask_marks_what_the_vocabulary_covers() -> None:
    v = Vocab.fit(["abc"])
    assert v.known_mask("a?c\n").tolist() == [True, False, True, False]
    assert v.known_mask("").shape == (0,)


def test_fit_on_nothing_is_a_data_error() -> None:
    with pytest.raises(DataError):
        Vocab.fit(["", ""])


def test_padding_matches_the_assignment_example() -> None:
    # ids as in the assignment: e=1, a=2, d=5, t=12, n=14, o=15, w=22
    ids = {"e": 1, "a": 2, "d": 5, "t": 12, "n": 14, "o": 15, "w": 22}
    chars = [chr(ord("A") + i) for i in range(22)]  # placeholders
    for ch, i in ids.items():
        chars[i - 1] = ch
    v = Vocab(chars)
    seqs = [v.encode("one"), v.encode("andtwo")]
    assert seqs[0].tolist() == [15, 14, 1]
    assert seqs[1].tolist() == [2, 14, 5, 12, 22, 15]
    matrix = pad(seqs)
    assert matrix.dtype == np.int64
    assert matrix.tolist() == [[15, 14, 1, 0, 0, 0], [2, 14, 5, 12, 22, 15]]


def test_pad_to_a_given_length_and_refuse_longer_sequences() -> None:
    assert pad([np.array([1, 2])], length=4).tolist() == [[1, 2, 0, 0]]
    assert pad([], length=3).shape == (0, 3)
    assert pad([]).shape == (0, 0)
    with pytest.raises(InputError, match="sequence 1 has 3 ids"):
        pad([np.array([1]), np.array([1, 2, 3])], length=2)


def test_json_round_trip_and_save_load(tmp_path: Path) -> None:
    v = Vocab.fit(["Hello, wörld\n\t\"'"])
    assert Vocab.from_json(json.loads(json.dumps(v.to_json()))) == v
    path = tmp_path / "run" / "vocab.json"
    v.save(path)
    assert Vocab.load(path) == v
    assert [p.name for p in path.parent.iterdir()] == ["vocab.json"]  # no temp file left


@pytest.mark.parametrize(
    "d",
    [
        [],
        {"chars": ["a"]},
        {"format": "rnnlab-vocab", "version": 99, "chars": ["a"]},
        {"format": "rnnlab-vocab", "version": 1},
        {"format": "rnnlab-vocab", "version": 1, "chars": "ab"},
        {"format": "rnnlab-vocab", "version": 1, "chars": ["ab"]},
        {"format": "rnnlab-vocab", "version": 1, "chars": [1]},
        {"format": "rnnlab-vocab", "version": 1, "chars": ["a", "a"]},
    ],
)
def test_malformed_vocabulary_json_is_a_model_file_error(d: object) -> None:
    with pytest.raises(ModelFileError):
        Vocab.from_json(d)


def test_load_of_missing_or_broken_file_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no vocabulary"):
        Vocab.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFileError, match="damaged"):
        Vocab.load(bad)
