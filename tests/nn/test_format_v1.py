"""Runs written by rnnlab 0.1.0 (run format 1) still load, and the shipped weights give exactly
the outputs they gave under rnnlab 0.1.0 (recorded in data/shipped_outputs.json)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from rnnlab.crack.keyless import shipped_keyless
from rnnlab.crack.lm import default_lm
from rnnlab.crack.lm import load_run as load_lm
from rnnlab.nn import recipes, runs
from rnnlab.nn.decode import Decipherer
from rnnlab.nn.models import build_model
from rnnlab.text.vocab import Vocab

SHIPPED = json.loads((Path(__file__).parent / "data" / "shipped_outputs.json").read_text())


def _v1_decipherer(path: Path, stream: bool) -> torch.nn.Module:
    """A run folder laid out exactly as rnnlab 0.1.0 wrote it."""
    src = tgt = Vocab.fit(["abcdefghijklmnopqrstuvwxyz .,"])
    cipher, key = ("vigenere", "ab") if stream else ("caesar", "3")
    config = recipes.decipher_config(model="char", cipher=cipher, key=key, hidden=8, embed=4)
    config = replace(config, model=replace(config.model, src_vocab=src.size, tgt_vocab=tgt.size))
    torch.manual_seed(0)
    model = build_model(config.model).eval()
    path.mkdir()
    save_file(
        {k: v.contiguous() for k, v in model.state_dict().items()}, str(path / "model.safetensors")
    )
    (path / "vocab.json").write_text(json.dumps({"source": src.to_json(), "target": tgt.to_json()}))
    training = ({"mode": "stream", "epochs": 40, "columns": 64, "k1": 50, "k2": 50, "segment": 100,
                 "restart": 1.0, "noise": 0.02, "lr": 0.01, "lr_end": 0.0001, "clip": 1.0,
                 "target_accuracy": None, "patience": 3, "seed": 0, "device": "cpu"} if stream
                else {"epochs": 30, "batch_size": 256, "lr": 0.05, "clip": 1.0,
                      "target_accuracy": 1.0, "eval_every": 0, "seed": 0,
                      "device": "cpu"})  # fmt: skip
    data = {"cipher": config.cipher.name, "key": config.cipher.key, "corpus": "default",
            "max_len": 50 if stream else 87, "train": 10, "val": 1, "test": 1}  # fmt: skip
    if stream:
        data["stream"] = True
    v1_model = {
        k: v for k, v in config.model.to_json().items() if k not in ("bidirectional", "padding")
    }
    (path / "config.json").write_text(json.dumps({
        "format": "rnnlab-run", "format_version": 1, "task": "decipher", "fold_case": True,
        "data": data, "training": training, "model": v1_model,
    }))  # fmt: skip
    return model


@pytest.mark.parametrize("stream", [False, True])
def test_a_format_1_decipherer_loads_and_deciphers_as_it_did(tmp_path, stream) -> None:
    model = _v1_decipherer(tmp_path / "run", stream)
    run = runs.load_run(tmp_path / "run")
    assert run.config.memory == stream and run.vocabs.fold_case
    assert run.vocabs.max_len == (50 if stream else 87)
    if stream:
        assert run.config.training.batch_size == 64 and run.config.training.schedule == "cosine"
    for k, v in model.state_dict().items():
        assert torch.equal(v, run.model.state_dict()[k])
    assert len(Decipherer.from_run(run).decipher("Dqg wzr.")) == len("Dqg wzr.")


def test_a_format_1_language_model_loads_with_its_tensors_renamed(tmp_path) -> None:
    config = recipes.lm_config(hidden=8, embed=4)
    torch.manual_seed(0)
    model = build_model(config.model)
    (tmp_path / "lm").mkdir()
    old = {k.replace("rnn.", "gru.", 1): v for k, v in model.state_dict().items()}
    save_file(old, str(tmp_path / "lm" / "model.safetensors"))
    (tmp_path / "lm" / "config.json").write_text(json.dumps({
        "format": "rnnlab-charlm", "format_version": 1,
        "model": {"embed": 4, "hidden": 8, "vocab": 28},
        "training": {"epochs": 2, "batch": 4, "bptt": 16, "lr": 0.005, "seed": 0},
    }))  # fmt: skip
    lm = load_lm(tmp_path / "lm")
    assert runs.load_run(tmp_path / "lm").config.kind == "lm"
    assert lm.score(["the end"])[0] < 0


def test_the_shipped_language_model_scores_as_it_did_in_0_1_0() -> None:
    got = default_lm().score(SHIPPED["lm"]["texts"])
    # float32 sums of a few hundred log-probabilities: processors' kernels differ in the 8th
    # digit (1.6e-5 of -941 measured on an AMD EPYC); a changed model differs in the 2nd
    assert got.tolist() == pytest.approx(SHIPPED["lm"]["scores"], rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("family", ["caesar", "affine"])
def test_the_shipped_keyless_models_decipher_as_they_did_in_0_1_0(family) -> None:
    d = shipped_keyless(family)
    for row in SHIPPED["keyless"][family]:
        assert d.decipher(row["cipher"], keyed=True) == row["keyed"]
        assert d.decipher(row["cipher"], keyed=False) == row["raw"]


def test_the_shipped_runs_load_in_the_learning_wing_and_agree_with_numpy() -> None:
    from importlib import resources

    folder = Path(str(resources.files("rnnlab") / "data" / "crack_lm"))
    run = runs.load_run(folder)
    text = SHIPPED["lm"]["texts"][1]
    from rnnlab.text.letters import encode

    ids = torch.from_numpy(encode(text))[None, :]
    x = torch.cat([torch.tensor([[26]]), ids[:, :-1]], dim=1)
    with torch.no_grad():
        logits, _ = run.model(x)
    want = torch.log_softmax(logits.double(), -1).gather(2, ids[..., None]).sum()
    assert abs(float(want) - SHIPPED["lm"]["scores"][1]) < 1e-3


def test_a_format_1_run_interrupted_under_0_1_0_says_it_cannot_resume(tmp_path) -> None:
    from rnnlab.errors import ModelFileError
    from rnnlab.nn import jobs

    model = _v1_decipherer(tmp_path / "run", stream=False)
    runs.save_resume_state(tmp_path / "run", torch.optim.Adam(model.parameters()), 1, 0)
    with pytest.raises(ModelFileError, match="interrupted under rnnlab 0.1.0"):
        jobs.resume_config(tmp_path / "run")
