"""The failures held-out text found, pinned: a stream decipherer that lost the key's phase deep
into a play script (a speaker's name in capitals on a line of its own), and a Caesar decipherer
that changed `do't` into `do''` and a line-opening `Q` into `N`. Each model is trained here with
`rnnlab train`'s defaults (the full-size ones under the slow marker) on the built-in corpus and
read on text it never saw: the standard library's docstrings, laid out as a play."""

from __future__ import annotations

import re

import pytest
import torch

from rnnlab.nn import jobs, recipes
from rnnlab.nn.decode import Decipherer
from rnnlab.nn.runs import load_run
from rnnlab.text.ciphers import make_cipher
from rnnlab.text.corpus import default_text
from rnnlab.text.heldout import heldout_text

SPEAKER = "BRUTUS:\nWhat, is't not so?  Then 17 men do't, and 3 more.\n"


def play(at: int = 50_000) -> tuple[str, int]:
    """Held-out prose laid out as a play script: short lines, a speaker's name in capitals
    before every few lines, blank lines between speeches; SPEAKER inserted `at` characters in.
    The text and where SPEAKER starts."""
    words = re.findall(r"\S+", heldout_text(at + 20_000))
    lines, line, names = [], [], ("HAMLET", "LORD POLONIUS", "OPHELIA")
    for i, w in enumerate(words):
        line.append(w)
        if len(" ".join(line)) > 40:
            lines.append(" ".join(line))
            line = []
            if len(lines) % 5 == 0:
                lines.append(f"\n{names[i % 3]}:")
    text = "\n".join(lines)
    cut = text.index("\n", at)
    return text[: cut + 1] + SPEAKER + text[cut + 1 :], cut + 1


def wrong_letters(got: str, want: str) -> int:
    return sum(a != b for a, b in zip(got, want) if b.isalpha())


def train(tmp_path, cipher: str, key: str, **given) -> Decipherer:
    torch.manual_seed(0)
    config = recipes.decipher_config(cipher=cipher, key=key, **given)
    jobs.train_run(config, tmp_path / "run")
    return Decipherer.from_run(load_run(tmp_path / "run"))


def check_speaker(dec: Decipherer, cipher, per_wrong: int) -> None:
    """The speaker's line exact, at most one wrong letter in the 200 characters either side
    (a lost phase would cost tens), and at most one letter in `per_wrong` over the whole play."""
    text, at = play()
    got = dec.decipher(cipher.encrypt(text))
    line = slice(at, at + len(SPEAKER))
    assert got[line] == text[line]
    span = slice(at - 200, at + len(SPEAKER) + 200)
    assert wrong_letters(got[span], text[span]) <= 1
    assert wrong_letters(got, text) <= len(text) // per_wrong


@pytest.mark.slow
@pytest.mark.parametrize("key", ["LEMON", "LEMONADE"])
def test_a_default_stream_model_holds_the_phase_past_a_speaker_line_50000_characters_in(
    tmp_path, key
):
    torch.set_num_threads(2)
    cipher = make_cipher("vigenere", key)
    check_speaker(train(tmp_path, "vigenere", key), cipher, 10_000)


def test_an_augmented_stream_model_holds_the_phase_past_a_speaker_line(tmp_path):
    """A small model trained briefly with the default augmentation (a few seconds)."""
    cipher = make_cipher("vigenere", "BD")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(default_text()[:60_000], encoding="utf-8")
    dec = train(tmp_path, "vigenere", "BD", corpus=str(corpus), hidden=64, embed=16, epochs=20,
                batch_size=16, lr=2e-2)  # fmt: skip
    check_speaker(dec, cipher, 2_000)


def test_a_default_caesar_model_keeps_contractions_and_a_capital_q(tmp_path):
    cipher = make_cipher("caesar", "3")
    dec = train(tmp_path, "caesar", "3", epochs=10)
    lines = ["Quoth the raven, do't; is't not so?", "QUEEN: 'Tis 1603, and 42 ships sail'd.",
             "Quite so -- we'd've gone, hadn't we?"]  # fmt: skip
    got = [dec.decipher(cipher.encrypt(s)) for s in lines]
    for word in ("do't;", "is't", "'Tis", "sail'd", "we'd've", "hadn't", "Quoth", "QUEEN", "Quite"):
        assert any(word in g for g in got), (word, got)
    assert sum(wrong_letters(g, s) for g, s in zip(got, lines)) <= 1
    text, _ = play(20_000)
    assert wrong_letters(dec.decipher(cipher.encrypt(text)), text) <= len(text) // 10_000
