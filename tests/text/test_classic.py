"""The classic exercise's data format: phrase lengths, alphabet, spacing, the two files."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnnlab.errors import InputError
from rnnlab.text.ciphers import Caesar
from rnnlab.text.classic import classic_phrases, write_pairs
from rnnlab.text.pairs import read_pairs


@pytest.fixture(scope="module")
def phrases() -> list[str]:
    return classic_phrases(10_000, seed=0)


def test_classic_phrases_have_the_classic_lengths(phrases: list[str]) -> None:
    lengths = np.array([len(p) for p in phrases])
    assert len(phrases) == 10_000
    assert lengths.min() >= 17 and lengths.max() <= 101
    assert 58 <= lengths.mean() <= 72  # the classic data set's mean is about 65
    assert lengths.max() >= 95  # the range is used, not just the middle


def test_classic_phrases_use_uppercase_words_and_spaced_punctuation(phrases: list[str]) -> None:
    assert set("".join(phrases)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ ,.?'")
    for p in phrases:
        assert all(re.fullmatch(r"[A-Z]+|[,.?']", tok) for tok in p.split(" ")), p
        assert p == p.strip() and "  " not in p
        assert p[0].isalpha() and not p.endswith((",", "'"))
    assert sum(p.endswith(" .") for p in phrases) > 1_000
    assert sum(" , " in p for p in phrases) > 1_000


def test_classic_phrases_are_deterministic_per_seed_and_mostly_distinct(phrases: list[str]) -> None:
    assert classic_phrases(50, seed=0) == phrases[:50]
    assert classic_phrases(50, seed=1) != phrases[:50]
    assert len(set(phrases)) > 6_000
    assert classic_phrases(0) == []
    with pytest.raises(InputError):
        classic_phrases(-1)


def test_write_pairs_writes_two_aligned_files_atomically(tmp_path: Path) -> None:
    plain_path, cipher_path = write_pairs(tmp_path / "data", n=200, shift=3, seed=5)
    assert (plain_path.name, cipher_path.name) == ("plain.txt", "cipher.txt")
    plain = plain_path.read_text(encoding="utf-8").splitlines()
    cipher = cipher_path.read_text(encoding="utf-8").splitlines()
    assert plain == classic_phrases(200, seed=5)
    assert cipher == [Caesar(3).encrypt(p) for p in plain]
    assert read_pairs(plain_path, cipher_path) == list(zip(cipher, plain, strict=True))
    assert sorted(x.name for x in (tmp_path / "data").iterdir()) == ["cipher.txt", "plain.txt"]
