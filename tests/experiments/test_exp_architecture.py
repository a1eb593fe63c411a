"""The architecture experiment: what each model can see, and the quick run end to end through the
command line, its numbers the ones its CSV holds."""

from __future__ import annotations

import csv

import pytest
import torch

from rnnlab.cli import main
from rnnlab.experiments import architecture as arch


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("architecture")
    assert main(["experiment", "architecture", "--quick", "--out", str(out)]) == 0
    return out


def reach(model, length: int = 30, at: int = 15) -> set[int]:
    """The input positions whose change moves the output at position `at` at all (in float64,
    so that an influence damped over 15 steps still shows)."""
    model = model.double()
    ids = torch.randint(1, 20, (1, length))
    base = model(ids)[0][0, at]
    moved = set()
    for i in range(length):
        other = ids.clone()
        other[0, i] = 1 + (other[0, i] % 19)
        if not torch.equal(model(other)[0][0, at], base):
            moved.add(i)
    return moved


def test_each_model_sees_the_context_it_is_meant_to():
    torch.manual_seed(0)
    k = arch.CONV_LAYERS * (arch.KERNEL - 1) // 2
    assert reach(arch.build("perchar", 21, 21)) == {15}
    assert reach(arch.build("cnn", 21, 21)) == set(range(15 - k, 15 + k + 1))
    assert reach(arch.build("gru", 21, 21)) == set(range(16))
    assert reach(arch.build("bigru", 21, 21)) == set(range(30))


def test_quick_run_writes_its_rows_and_a_verdict_per_cipher(quick, capsys):
    with open(quick / "architecture.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(arch.CIPHERS) * len(arch.ARCHS) * 2  # corpus test and docstrings
    assert {r["text"] for r in rows} == {arch.IN_DIST, "docstrings"}
    for r in rows:
        assert 0 <= float(r["accuracy"]) <= 1 and int(r["letters"]) > 100
        assert int(r["wrong"]) == round(int(r["letters"]) * (1 - float(r["accuracy"])))
    caesar = {r["model"]: float(r["accuracy"]) for r in rows if r["cipher"] == "caesar"
              and r["text"] == "docstrings"}  # fmt: skip
    assert caesar["perchar"] > 0.9  # a Caesar shift needs no context: 4 epochs of 1,200 phrases
    summary = (quick / "summary.md").read_text()
    assert "caesar: the claim" in summary and "vigenere: the claim" in summary
    assert (quick / "architecture.png").stat().st_size > 10_000
