"""The character language model: numpy scoring equals torch's GRU, the shipped weights load and
prefer English, training runs on a stream, bad files are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.crack.lm import CharLM, LMConfig, default_lm, encode, load_lm, load_run
from rnnlab.crack.lm_train import (
    CharLMModule,
    LMTrainOptions,
    batchify,
    save_lm,
    save_lm_run,
    train_lm,
)
from rnnlab.errors import InputError, ModelFileError

from .conftest import LONG, MEDIUM

torch.set_num_threads(1)  # small models: more threads only contend on a shared machine


def test_encode_folds_case_and_collapses_whitespace() -> None:
    assert encode("Ab  c!\n").tolist() == [0, 1, 26, 2, 27, 26]


def test_numpy_scores_equal_torch_log_probabilities() -> None:
    torch.manual_seed(0)
    cfg = LMConfig(embed=5, hidden=7)
    module = CharLMModule(cfg)
    lm = CharLM(cfg, {k: v.detach().numpy() for k, v in module.state_dict().items()})
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


def test_batchify_lays_streams_in_rows() -> None:
    data = batchify(np.arange(13), 3)
    assert data.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


def test_training_on_a_stream_lowers_the_loss_and_round_trips(tmp_path) -> None:
    opts = LMTrainOptions(epochs=3, batch=4, bptt=16, lr=1e-2)
    model, history = train_lm(LONG * 8, LMConfig(embed=4, hidden=16), opts)
    assert history[-1]["train_bpc"] < history[0]["train_bpc"]
    path = save_lm_run(tmp_path / "run", model, LMConfig(embed=4, hidden=16), opts, history)
    lm = load_run(path)
    assert np.isfinite(lm.score([MEDIUM])[0])


def test_weights_that_do_not_match_the_config_are_refused(tmp_path) -> None:
    module = CharLMModule(LMConfig(embed=4, hidden=8))
    save_lm(module, LMConfig(embed=4, hidden=8), tmp_path / "w.safetensors", tmp_path / "c.json")
    wrong = tmp_path / "c2.json"
    wrong.write_text((tmp_path / "c.json").read_text().replace('"hidden": 8', '"hidden": 9'))
    with pytest.raises(ModelFileError, match="expected"):
        load_lm(tmp_path / "w.safetensors", wrong)
    (tmp_path / "bad.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(ModelFileError):
        load_lm(tmp_path / "bad.safetensors", tmp_path / "c.json")
    with pytest.raises(ModelFileError):
        load_run(tmp_path / "missing")


def test_bad_training_options_are_refused() -> None:
    with pytest.raises(InputError):
        LMTrainOptions(epochs=0)
