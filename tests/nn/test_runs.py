import dataclasses
import json
import struct

import pytest
import torch

from rnnlab.errors import ModelFileError
from rnnlab.nn import recipes, runfile, runs
from rnnlab.nn.config import ModelConfig, RunConfig
from rnnlab.nn.models import build_model
from rnnlab.nn.runs import Vocabs
from rnnlab.text.vocab import Vocab


def config_for(model: ModelConfig) -> RunConfig:
    return dataclasses.replace(recipes.decipher_config(cipher="caesar", key="3"), model=model)


@pytest.fixture
def run_dir(tmp_path):
    src, tgt = Vocab.fit(["dqg wzr"]), Vocab.fit(["and two"])
    cfg = ModelConfig(kind="char", src_vocab=src.size, tgt_vocab=tgt.size, hidden=8, embed=4)
    torch.manual_seed(0)
    model = build_model(cfg)
    runs.save_run(tmp_path / "run", config_for(cfg), model, Vocabs(src, tgt, True, 40),
                        [{"epoch": 1, "step": 2, "val_char_accuracy": 0.5}])  # fmt: skip
    return tmp_path / "run", model


def test_run_round_trip_rebuilds_the_same_model(run_dir):
    path, model = run_dir
    run = runs.load_run(path)
    for k, v in model.state_dict().items():
        assert torch.equal(v, run.model.state_dict()[k])
    assert run.vocabs.fold_case and run.vocabs.source.chars == tuple("dqg wzr")
    assert run.vocabs.max_len == 40 and run.config.cipher.name == "caesar"
    assert runfile.read_history(path) == [{"epoch": 1, "step": 2, "val_char_accuracy": 0.5}]
    assert sorted(p.name for p in path.iterdir()) == [
        "config.json",
        "history.csv",
        "model.safetensors",
        "vocab.json",
    ]


@pytest.mark.parametrize("name", ["config.json", "vocab.json", "model.safetensors"])
def test_missing_file_is_named(run_dir, name):
    path, _ = run_dir
    (path / name).unlink()
    with pytest.raises(ModelFileError, match=f"has no {name}"):
        runs.load_run(path)


def test_missing_folder_says_how_to_make_one(tmp_path):
    with pytest.raises(ModelFileError, match="rnnlab train --out"):
        runs.load_run(tmp_path / "nope")


def test_unknown_format_version_is_refused(run_dir):
    path, _ = run_dir
    cfg = json.loads((path / "config.json").read_text())
    cfg["format_version"] = 99
    (path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFileError, match="format 99"):
        runs.load_run(path)


@pytest.mark.parametrize(
    "model",
    [ModelConfig(kind="seed", tgt_vocab=26), ModelConfig(cell="lstm", layers=2, hidden=5),
     ModelConfig(cell="rnn", bidirectional=True, layers=2, padding=False),
     ModelConfig(cell="gru", bidirectional=True, src_vocab=28, tgt_vocab=26)],
)  # fmt: skip
def test_the_config_names_every_tensor_and_shape_the_model_has(model):
    built = {k: tuple(v.shape) for k, v in build_model(model).state_dict().items()}
    assert built == model.tensor_shapes()


def _tensors_file(path, tensors):
    from safetensors.torch import save_file

    save_file(tensors, str(path / "model.safetensors"))


def test_unexpected_tensor_names_and_shapes_are_refused(run_dir):
    path, model = run_dir
    sd = model.state_dict()
    _tensors_file(path, {**sd, "extra.weight": torch.zeros(2)})
    with pytest.raises(ModelFileError, match="unexpected: extra.weight"):
        runs.load_run(path)
    _tensors_file(path, {**sd, "out.bias": torch.zeros(3)})
    with pytest.raises(ModelFileError, match=r"out.bias is torch.float32 \(3,\)"):
        runs.load_run(path)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x01\x02", struct.pack("<Q", 10**12) + b"{}", struct.pack("<Q", 2) + b"{]",
     struct.pack("<Q", 60) + b'{"w":{"dtype":"F32","shape":[1000],"data_offsets":[0,4000]}}    '],
)  # fmt: skip
def test_corrupted_weights_are_refused_without_a_crash(run_dir, data):
    path, _ = run_dir
    (path / "model.safetensors").write_bytes(data)
    with pytest.raises(ModelFileError, match="truncated|corrupted"):
        runs.load_run(path)


def test_malformed_json_is_refused(run_dir):
    path, _ = run_dir
    (path / "vocab.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        runs.load_run(path)


def test_a_failed_write_leaves_the_previous_file_intact(run_dir, monkeypatch):
    path, _ = run_dir
    before = (path / "model.safetensors").read_bytes()
    import rnnlab.fileio as fio

    def boom(*a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fio.os, "replace", boom)
    with pytest.raises(OSError):
        fio.atomic_write_bytes(path / "model.safetensors", b"half")
    assert (path / "model.safetensors").read_bytes() == before
    assert [p.name for p in path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "given, kind",
    [
        ({"cipher": "caesar", "key": "3"}, "perchar"),
        ({"cipher": "substitution", "key": "ZEBRAS"}, "perchar"),
        ({"cipher": "caesar", "key": "3", "cell": "lstm"}, "char"),
        ({"cipher": "caesar", "key": "3", "layers": 2}, "char"),
        ({"cipher": "caesar", "key": "3", "bidirectional": True}, "char"),
        ({"cipher": "vigenere", "key": "LEMON"}, "char"),
        ({"cipher": "vigenere", "key": "LEMON", "stream": False}, "char"),
        ({"pairs": ("p.txt", "c.txt")}, "char"),
        ({"cipher": "caesar", "key": "3", "model": "seed"}, "seed"),
    ],
)
def test_the_default_model_has_no_context_only_for_a_cipher_without_memory(given, kind):
    assert recipes.decipher_config(**given).model.kind == kind
