"""Damaged and hostile run folders: every fault is refused with one line and exit code 2, and a
safetensors header is judged (size, names, dtypes, shapes, byte spans) before any data is read."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from rnnlab.errors import ModelFileError, TrainingError
from rnnlab.nn import runfile, runs

from ._support import cli


def _tensors(run: Path) -> dict[str, torch.Tensor]:
    return st_load((run / runfile.WEIGHTS).read_bytes())


def _write_tensors(run: Path, tensors: dict[str, torch.Tensor]) -> None:
    (run / runfile.WEIGHTS).write_bytes(st_save(tensors))


def _edit_config(run: Path, **changes) -> None:
    cfg = json.loads((run / runfile.CONFIG).read_text())
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            cfg[section][field] = value
        else:
            cfg[section] = value
    (run / runfile.CONFIG).write_text(json.dumps(cfg))


def _renamed(run: Path) -> None:
    t = _tensors(run)
    t["extra.weight"] = t.pop("out.bias")
    _write_tensors(run, t)


def _reshaped(run: Path) -> None:
    t = _tensors(run)
    t["out.bias"] = torch.zeros(3)
    _write_tensors(run, t)


def _float64(run: Path) -> None:
    _write_tensors(run, {k: v.double() for k, v in _tensors(run).items()})


def _non_finite(run: Path) -> None:
    t = _tensors(run)
    t["out.bias"][0] = float("nan")
    _write_tensors(run, t)


def _cut_short(run: Path) -> None:
    f = run / runfile.WEIGHTS
    f.write_bytes(f.read_bytes()[:-9])


def _header_of(n: int, body: bytes = b"{}") -> bytes:
    return struct.pack("<Q", n) + body


def _bit_flipped_header(run: Path) -> None:
    data = bytearray((run / runfile.WEIGHTS).read_bytes())
    data[12] ^= 0xFF  # inside the JSON header
    (run / runfile.WEIGHTS).write_bytes(bytes(data))


DAMAGES = {
    "config.json missing": (lambda r: (r / "config.json").unlink(), "has no config.json"),
    "vocab.json missing": (lambda r: (r / "vocab.json").unlink(), "has no vocab.json"),
    "weights missing": (lambda r: (r / "model.safetensors").unlink(), "has no model.safetensors"),
    "weights empty": (lambda r: (r / "model.safetensors").write_bytes(b""), "truncated"),
    "weights cut short": (
        lambda r: (r / "model.safetensors").write_bytes(
            (r / "model.safetensors").read_bytes()[:-9]
        ),
        "corrupted",
    ),
    "weights random bytes": (
        lambda r: (r / "model.safetensors").write_bytes(bytes(range(256)) * 4),
        "corrupted",
    ),
    "header bit flipped": (_bit_flipped_header, "corrupted"),
    "header claims 1 TB": (
        lambda r: (r / "model.safetensors").write_bytes(_header_of(10**12)),
        "corrupted header",
    ),
    "header over the limit": (
        lambda r: (r / "model.safetensors").write_bytes(_header_of(2 << 20, b" " * (2 << 20))),
        "corrupted header",
    ),
    "unexpected tensor names": (_renamed, "unexpected: extra.weight"),
    "unexpected tensor shapes": (_reshaped, r"out.bias is torch.float32 \(3,\)"),
    "float64 weights": (_float64, "expected float32"),
    "non-finite weights": (_non_finite, r"non-finite weights \(out.bias\)"),
    "unknown format version": (lambda r: _edit_config(r, format_version=99), "format 99"),
    "not an rnnlab config": (lambda r: _edit_config(r, format="other"), "not an rnnlab run"),
    "config not JSON": (lambda r: (r / "config.json").write_text("{oops"), "not valid JSON"),
    "config a list": (lambda r: (r / "config.json").write_text("[]"), "not hold a JSON object"),
    "model section lies about sizes": (
        lambda r: _edit_config(r, model__hidden=10**6),
        "unexpected tensors|expected float32",
    ),
    "model size not a whole number": (
        lambda r: _edit_config(r, model__hidden=4.5),
        "bad model section",
    ),
    "vocab.json of another model": (
        lambda r: (r / "vocab.json").write_text(
            json.dumps(
                {
                    "source": {"format": "rnnlab-vocab", "version": 1, "chars": ["a"]},
                    "target": {"format": "rnnlab-vocab", "version": 1, "chars": ["a"]},
                }
            )
        ),
        "does not match the model's sizes",
    ),  # fmt: skip
    "vocab.json repeats a character": (
        lambda r: (r / "vocab.json").write_text(
            json.dumps(
                {
                    "source": {"format": "rnnlab-vocab", "version": 1, "chars": ["a", "a"]},
                    "target": {"format": "rnnlab-vocab", "version": 1, "chars": ["a"]},
                }
            )
        ),
        "repeated",
    ),  # fmt: skip
}


@pytest.mark.parametrize("damage", list(DAMAGES), ids=list(DAMAGES))
def test_a_damaged_run_is_refused_with_one_line_and_exit_2(damage, run_copy, capsys) -> None:
    import re

    harm, needle = DAMAGES[damage]
    harm(run_copy)
    for argv in (["decipher", "-m", run_copy, "wkh"], ["summary", "--model", run_copy]):
        code, out, err = cli(capsys, *argv)
        assert code == 2 and out == "" and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1 and re.search(needle, err), err
    with pytest.raises(ModelFileError):
        runs.load_run(run_copy)


def test_a_bad_header_is_refused_before_any_tensor_data_is_read(run_copy, monkeypatch) -> None:
    def never(data):
        raise AssertionError("tensor data was read before the header was checked")

    monkeypatch.setattr(runfile, "st_load", never)
    f = run_copy / runfile.WEIGHTS
    good = f.read_bytes()
    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8 : 8 + n])
    bad_headers = {
        "lies about a shape": {**header, "out.bias": {**header["out.bias"], "shape": [10**9]}},
        "lies about offsets": {
            **header,
            "out.bias": {**header["out.bias"], "data_offsets": [0, 4]},
        },
        "unknown dtype": {**header, "out.bias": {**header["out.bias"], "dtype": "F128"}},
        "dtype not a string": {**header, "out.bias": {**header["out.bias"], "dtype": ["F32"]}},
        "negative size": {**header, "out.bias": {**header["out.bias"], "shape": [-1]}},
        "an extra tensor": {**header, "x": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}},
    }
    for why, h in bad_headers.items():
        raw = json.dumps(h).encode()
        f.write_bytes(struct.pack("<Q", len(raw)) + raw + good[8 + n :])
        with pytest.raises(ModelFileError):
            runs.load_run(run_copy)
        assert why  # every bad header refused without reading data


def test_a_config_claiming_a_huge_model_allocates_nothing(run_copy) -> None:
    import resource

    _edit_config(run_copy, model__hidden=10**6, model__embed=10**6)  # 10^12 floats if built
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError, match="unexpected tensors|expected float32"):
        runs.load_run(run_copy)
    grew_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grew_kib < 200 * 1024


def test_saving_non_finite_weights_is_refused_and_the_old_checkpoint_stays(run_copy) -> None:
    run = runs.load_run(run_copy)
    before = {p.name: p.read_bytes() for p in run_copy.iterdir()}
    with torch.no_grad():
        run.model.out.bias.fill_(float("inf"))
    with pytest.raises(TrainingError, match="was not overwritten"):
        runs.save_run(run_copy, run.config, run.model, run.vocabs)
    assert {p.name: p.read_bytes() for p in run_copy.iterdir()} == before


def test_resume_state_of_another_model_is_refused(run_copy) -> None:
    run = runs.load_run(run_copy)
    opt = torch.optim.Adam(run.model.parameters())
    runs.save_resume_state(run_copy, opt, 1, 0)
    assert runfile.resume_position(run_copy) == (1, 0)
    other = torch.optim.Adam([torch.nn.Parameter(torch.zeros(3))])
    with pytest.raises(ModelFileError, match="does not fit this run"):
        runs.load_resume_state(run_copy, other)


def test_resume_state_restores_the_weights_it_was_saved_with(run_copy) -> None:
    run = runs.load_run(run_copy)
    opt = torch.optim.Adam(run.model.parameters(), lr=0.1)
    run.model(torch.tensor([[1, 2, 3]]))[0].sum().backward()
    opt.step()
    saved = {k: v.clone() for k, v in run.model.state_dict().items()}
    runs.save_resume_state(run_copy, opt, 0, 1)
    with torch.no_grad():
        for p in run.model.parameters():
            p.add_(1.0)  # as if model.safetensors were written later than the resume file
    fresh = torch.optim.Adam(run.model.parameters(), lr=0.1)
    assert runs.load_resume_state(run_copy, fresh) == (0, 1)
    for k, v in run.model.state_dict().items():
        assert torch.allclose(v, saved[k]), k
    assert fresh.state_dict()["state"][0]["exp_avg"].abs().sum() > 0


def test_history_written_past_the_resume_point_is_not_counted_twice(run_copy) -> None:
    run = runs.load_run(run_copy)
    records = [{"epoch": e, "step": 10, "val_char_accuracy": 0.5} for e in (1, 2, 3)]
    runs.save_run(run_copy, run.config, run.model, run.vocabs, records)
    runs.save_resume_state(run_copy, torch.optim.Adam(run.model.parameters()), 2, 0)
    assert [r["epoch"] for r in runfile.read_history(run_copy)] == [1, 2]
    runs.clear_resume_state(run_copy)
    assert [r["epoch"] for r in runfile.read_history(run_copy)] == [1, 2, 3]
