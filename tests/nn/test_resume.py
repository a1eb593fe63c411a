"""Resuming any kind of run reaches the weights of an uninterrupted one (the patience counted
across the interruption), and what cannot resume says so in one line."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from rnnlab.cli import main
from rnnlab.errors import InputError, ModelFileError
from rnnlab.nn import jobs, recipes
from rnnlab.nn.config import ModelConfig, TrainOptions

LONG = (
    "When the storm finally passed, the village came out to count the damage. Two boats had "
    "broken free in the night and drifted against the rocks, the baker had lost half of his "
    "roof, and the old oak tree beside the church lay across the road. Nobody was hurt. "
)


def _same(a: torch.nn.Module, b: torch.nn.Module) -> None:
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.allclose(x, y, atol=1e-6), name


def _interrupted_then_resumed(config, tmp_path, stop_after: int):
    """The run of `config` whole, and interrupted after `stop_after` events then resumed."""
    whole = jobs.train_run(config, tmp_path / "whole")
    seen = []
    part = jobs.train_run(config, tmp_path / "part", callback=seen.append,
                          should_stop=lambda: len(seen) >= stop_after)  # fmt: skip
    assert part.history.stopped == "interrupted"
    return whole, jobs.resume_run(tmp_path / "part")


def test_a_resume_counts_the_patience_from_before_the_interruption(tmp_path) -> None:
    config = recipes.decipher_config(model="char", cipher="caesar", key="3", limit=240, hidden=16,
                                     batch_size=32, epochs=8, target_accuracy=0.3, patience=3,
                                     eval_every=2)  # fmt: skip
    whole, resumed = _interrupted_then_resumed(config, tmp_path, stop_after=7)
    assert whole.history.stopped == resumed.history.stopped == "target"
    assert len(resumed.history.records) == len(whole.history.records)
    _same(whole.model, resumed.model)


def test_a_language_model_resumes_to_the_same_weights(tmp_path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(LONG * 8, encoding="utf-8")
    config = recipes.lm_config(str(corpus), hidden=8, embed=4, epochs=3, batch_size=4, bptt=16)
    whole, resumed = _interrupted_then_resumed(config, tmp_path, stop_after=3)
    _same(whole.model, resumed.model)


def test_a_keyless_net_resumes_mid_epoch_to_the_same_weights(tmp_path) -> None:
    config = recipes.keyless_config("caesar", hidden=8, embed=4, steps=6, epochs=2)
    whole, resumed = _interrupted_then_resumed(config, tmp_path, stop_after=4)
    _same(whole.model, resumed.model)


def test_a_run_whose_data_changed_refuses_to_resume(tmp_path) -> None:
    from rnnlab.text.corpus import default_text

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(default_text()[:12_000], encoding="utf-8")
    config = recipes.decipher_config(model="char", cipher="caesar", key="3", corpus=str(corpus),
                                     hidden=4, epochs=3, batch_size=8)  # fmt: skip
    jobs.train_run(config, tmp_path / "r", should_stop=lambda: True)
    corpus.write_text(default_text()[:12_000] + " Zwölf Boxkämpfer jagen Viktor.", encoding="utf-8")
    with pytest.raises(ModelFileError, match="changed since it was interrupted"):
        jobs.resume_run(tmp_path / "r")


def test_resume_refuses_options_it_would_ignore(tmp_path, capsys) -> None:
    config = recipes.decipher_config(model="char", cipher="caesar", key="3", limit=240, hidden=4,
                                     epochs=2)  # fmt: skip
    jobs.train_run(config, tmp_path / "r", should_stop=lambda: True)
    assert main(["train", "--resume", str(tmp_path / "r"), "--epochs", "9", "--lr", "0.1"]) == 2
    assert "--resume goes on as" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "r"), "--model", "perchar"]) == 2
    assert "drop --model" in capsys.readouterr().err


@pytest.mark.parametrize(
    "model, kind, message",
    [(ModelConfig(kind="seed", src_vocab=28, tgt_vocab=28, padding=False), "lm", "char model"),
     (ModelConfig(src_vocab=28, tgt_vocab=26, padding=False), "keyless", "bidirectional"),
     (ModelConfig(src_vocab=28, tgt_vocab=28, padding=False, bidirectional=True), "lm",
      "one direction")],
)  # fmt: skip
def test_a_language_model_or_keyless_net_of_the_wrong_shape_is_refused(model, kind, message):
    base = recipes.lm_config() if kind == "lm" else recipes.keyless_config("affine")
    with pytest.raises(InputError, match=message):
        replace(base, model=model)


@pytest.mark.parametrize(
    "bad, message",
    [({"epochs": "3"}, "epochs must be a whole number"), ({"epochs": 2.5}, "whole number"),
     ({"lr": "fast"}, "lr must be a number"), ({"clip": True}, "clip must be a number or null"),
     ({"group_by_length": 1}, "true/false")],
)  # fmt: skip
def test_training_options_of_the_wrong_type_are_refused_in_one_line(bad, message):
    with pytest.raises(InputError, match=message):
        TrainOptions(**bad)
