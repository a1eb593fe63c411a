"""(cipher, plain) data: pairs files, case, encoding, batches by length, stream columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnlab.errors import DataError, InputError
from rnnlab.text.ciphers import Caesar, Vigenere
from rnnlab.text.pairs import (
    case_follows,
    encode_pairs,
    fold,
    make_pairs,
    read_pairs,
)
from rnnlab.text.vocab import Vocab


def _files(tmp_path: Path, plain: bytes, cipher: bytes) -> tuple[Path, Path]:
    p, c = tmp_path / "plain.txt", tmp_path / "cipher.txt"
    p.write_bytes(plain)
    c.write_bytes(cipher)
    return p, c


def test_read_pairs_gives_cipher_plain_and_ignores_a_final_empty_line(tmp_path: Path) -> None:
    p, c = _files(tmp_path, b"AND TWO\nONE\n", b"DQG WZR\nRQH\n")
    assert read_pairs(p, c) == [("DQG WZR", "AND TWO"), ("RQH", "ONE")]
    p, c = _files(tmp_path, b"AND\r\nONE\r\n", b"DQG\r\nRQH")
    assert read_pairs(p, c) == [("DQG", "AND"), ("RQH", "ONE")]


def test_different_line_counts_name_the_first_line_without_partner(tmp_path: Path) -> None:
    p, c = _files(tmp_path, b"A\nB\nC\n", b"D\nE\n")
    with pytest.raises(DataError, match=r"has 3 lines but .* has 2; line 3 has no partner"):
        read_pairs(p, c)


def test_lines_of_different_lengths_name_the_first_bad_line(tmp_path: Path) -> None:
    p, c = _files(tmp_path, b"AB\nCDE\nFG\nH\n", b"XY\nXY\nXYZ\nX\n")
    with pytest.raises(DataError, match=r"^line 2: .* has 3 characters but .* has 2") as err:
        read_pairs(p, c)
    assert "\n" not in str(err.value)


def test_unreadable_pairs_files_are_input_errors(tmp_path: Path) -> None:
    p, c = _files(tmp_path, b"caf\xe9\n", b"abcd\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_pairs(p, c)
    with pytest.raises(InputError, match="no such file"):
        read_pairs(tmp_path / "nope.txt", c)
    p, c = _files(tmp_path, b"", b"")
    with pytest.raises(DataError, match="empty"):
        read_pairs(p, c)


def test_make_pairs_and_case_follows() -> None:
    pairs = make_pairs(["And Two!", "one"], Vigenere("key"))
    assert pairs[0] == (Vigenere("key").encrypt("And Two!"), "And Two!")
    assert case_follows(pairs)
    assert not case_follows([("Abc", "abc")])
    assert not case_follows([("1bc", "abc")])  # a letter enciphered as a digit has no case
    assert case_follows([("ABC", "XYZ"), ("1 ,", "1 ,")])


def test_fold_keeps_length() -> None:
    assert fold("Hello İ") == "hello İ"
    assert len(fold("İİ")) == 2


def test_encode_pairs_pads_and_folds_case() -> None:
    pairs = make_pairs(["And two", "one"], Caesar(3))
    src_vocab = Vocab.fit(fold(c) for c, _ in pairs)
    tgt_vocab = Vocab.fit(fold(p) for _, p in pairs)
    data = encode_pairs(pairs, src_vocab, tgt_vocab, fold_case=True)
    assert data.src.shape == data.tgt.shape == (2, 7)
    assert data.lengths.tolist() == [7, 3]
    assert tgt_vocab.decode(data.tgt[0]) == "and two"
    assert src_vocab.decode(data.src[1]) == "rqh"
    assert (data.src[1, 3:] == 0).all() and (data.tgt[1, 3:] == 0).all()
    with pytest.raises(InputError, match=r"^pair 0: character 'D' \(U\+0044\) at position 0"):
        encode_pairs(pairs, src_vocab, tgt_vocab, fold_case=False)
    with pytest.raises(DataError, match="pair 0"):
        encode_pairs([("ab", "abc")], src_vocab, tgt_vocab, fold_case=True)


def test_encode_pairs_in_one_lookup_equals_pair_by_pair_and_names_a_later_pair() -> None:
    texts = ["And two", "", "one", "The Quick brown fox.", "x"]
    pairs = make_pairs(texts, Caesar(3))
    src_vocab = Vocab.fit(fold(c) for c, _ in pairs)
    tgt_vocab = Vocab.fit(fold(p) for _, p in pairs)
    data = encode_pairs(pairs, src_vocab, tgt_vocab, fold_case=True)
    for i, (c, p) in enumerate(pairs):
        assert data.lengths[i] == len(c)
        assert src_vocab.decode(data.src[i, : len(c)]) == fold(c)
        assert tgt_vocab.decode(data.tgt[i, : len(p)]) == fold(p)
    assert encode_pairs([], src_vocab, tgt_vocab, fold_case=True).src.shape[0] == 0
    with pytest.raises(InputError, match=r"^pair 2: character '!'"):
        encode_pairs([*pairs[:2], ("rqh!", "one!")], src_vocab, tgt_vocab, fold_case=True)


def test_case_follows_on_many_pairs_and_other_scripts() -> None:
    assert case_follows([("Σας", "Σας"), ("ΑΒ", "ΓΔ"), ("", "")])
    assert not case_follows([("ab", "ab"), ("αΒ", "αβ")])
    assert case_follows([])
