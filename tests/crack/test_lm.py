"""The character language model: numpy scoring equals torch's GRU, the shipped weights load and
prefer English, training runs on a stream through the one trainer, bad files are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.crack.lm import CharLM, default_lm, load_run
from rnnlab.errors import InputError, ModelFileError
from rnnlab.nn import jobs, recipes, runs
from rnnlab.nn.models import build_model
from rnnlab.text.letters import encode

from .conftest import LONG, MEDIUM

torch.set_num_threads(1)  # small models: more threads only contend on a shared machine


def _tiny(**given):
    return recipes.lm_config(**{"embed": 4, "hidden": 16, **given})


def test_encode_folds_case_and_collapses_whitespace() -> None:
    assert encode("Ab  c!\n").tolist() == [0, 1, 26, 2, 27, 26]


def test_numpy_scores_equal_torch_log_probabilities() -> None:
    torch.manual_seed(0)
    config = recipes.lm_config(embed=5, hidden=7)
    module = build_model(config.model)
    lm = CharLM({k: v.detach().numpy() for k, v in module.state_dict().items()})
    ids = torch.from_numpy(encode(MEDIUM))[None, :]
    x = torch.cat([torch.tensor([[26]]), ids[:, :-1]], dim=1)  # a space starts every text
    logits, _ = module(x)
    want = torch.log_softmax(logits.detach().double(), -1).gather(2, ids[..., None]).sum()
    assert abs(lm.score([MEDIUM])[0] - float(want)) < 1e-3


def test_shipped_model_loads_and_prefers_english_to_a_wrong_decryption() -> None:
    lm = default_lm()
    assert lm is not None
    wrong = MEDIUM.translate(str.maketrans("bmgp", "mbpg"))
    good, bad = lm.score([MEDIUM, wrong])
    assert good > bad + 5


def test_training_on_a_stream_lowers_the_loss_and_round_trips(tmp_path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(LONG * 8, encoding="utf-8")
    config = _tiny(corpus=str(corpus), epochs=3, batch_size=4, bptt=16, lr=1e-2)
    res = jobs.train_run(config, tmp_path / "run")
    records = res.history.records
    assert records[-1]["train_loss"] < records[0]["train_loss"]
    lm = load_run(tmp_path / "run")
    assert np.isfinite(lm.score([MEDIUM])[0])


def test_training_twice_with_one_seed_gives_the_same_weights_bit_for_bit(tmp_path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(LONG * 8, encoding="utf-8")
    config = _tiny(corpus=str(corpus), epochs=2, batch_size=4, bptt=16)
    a = jobs.train_run(config, None).model.state_dict()
    b = jobs.train_run(config, None).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_weights_that_do_not_match_the_config_are_refused(tmp_path) -> None:
    config = _tiny()
    runs.save_run(tmp_path / "run", config, build_model(config.model))
    cfg = tmp_path / "run" / "config.json"
    cfg.write_text(cfg.read_text().replace('"hidden": 16', '"hidden": 9'))
    with pytest.raises(ModelFileError, match="expected"):
        load_run(tmp_path / "run")
    (tmp_path / "run" / "model.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(ModelFileError):
        load_run(tmp_path / "run")
    with pytest.raises(ModelFileError):
        load_run(tmp_path / "missing")


def test_a_decipherer_run_is_not_taken_for_a_language_model(tmp_path) -> None:
    config = recipes.decipher_config(cipher="caesar", key="3")
    runs.save_run(tmp_path / "run", config, build_model(config.model))
    with pytest.raises(ModelFileError, match="not a one-layer GRU language model"):
        load_run(tmp_path / "run")


def test_bad_training_options_are_refused() -> None:
    with pytest.raises(InputError):
        recipes.lm_config(epochs=0)
