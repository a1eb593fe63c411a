"""Doubt: what a decipher stream counts of the characters its model lacks and the letters it is
unsure of, and that sampling it never changes the output a caller asked for."""

import numpy as np

from rnnlab.nn.doubt import Doubt
from rnnlab.text._codepoints import code_points


def test_doubt_counts_unknown_characters_and_unsure_letters_whitespace_aside() -> None:
    d = Doubt(threshold=0.9)
    codes = code_points("ab c\n1¶")
    known = np.array([1, 1, 1, 1, 1, 1, 0], bool)
    conf = np.array([0.5, 0.95, 1, 0.2, 1, 0.3, 1], np.float32)
    d.count(codes, known, conf)
    assert (d.chars, d.unknown, d.letters, d.unsure) == (5, 1, 3, 2)  # the digit is no letter
    assert d.unknown_share == 0.2 and d.unsure_share == 2 / 3 and d.unlike
    d.count(codes, known, None)  # a batch whose confidence was not measured
    assert (d.chars, d.letters) == (10, 3)


def test_a_text_within_the_limits_is_not_unlike() -> None:
    d = Doubt()
    d.count(code_points("a" * 1000), np.ones(1000, bool), np.ones(1000, np.float32))
    assert not d.unlike and d.to_json()["unlike"] is False
