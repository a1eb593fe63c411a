"""The memory experiment: equal-sized models, and the quick run's GRU beating the vanilla RNN."""

from __future__ import annotations

import csv

import pytest

from rnnlab.experiments import memory
from rnnlab.nn.models import count_parameters


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("memory")
    return memory.run(quick=True, seed=0, out=out), out


@pytest.mark.parametrize("build", [memory.adding_model, memory.recall_model])
def test_the_three_cells_have_parameter_counts_within_6_percent(build):
    counts = [count_parameters(build(kind)) for kind in memory.CELLS]
    assert max(counts) / min(counts) < 1.06


def test_quick_adding_problem_gru_beats_the_vanilla_rnn(quick):
    result, _ = quick
    (T,) = memory.QUICK.adding_lengths
    gru, rnn = result.numbers[f"adding_mse/gru/T{T}"], result.numbers[f"adding_mse/rnn/T{T}"]
    assert gru < 0.02
    assert rnn > 0.1  # near the 1/6 of predicting the mean
    assert result.numbers["gap_length"] == T


def test_quick_recall_gru_learns_the_first_symbol(quick):
    result, _ = quick
    (T,) = memory.QUICK.recall_lengths
    assert result.numbers[f"recall_accuracy/gru/T{T}"] > 0.9  # chance is 1/8


def test_quick_run_writes_every_plotted_number(quick):
    result, out = quick
    assert [p.name for p in result.files] == ["memory.csv", "memory.png", "summary.md"]
    with open(out / "memory.csv") as f:
        rows = list(csv.DictReader(f))
    cfg = memory.QUICK
    assert len(rows) == 3 * (len(cfg.adding_lengths) + len(cfg.recall_lengths))
    for row in rows:
        task = "adding_mse" if row["task"] == "adding" else "recall_accuracy"
        key = f"{task}/{row['cell']}/T{row['T']}"
        assert float(row["value"]) == pytest.approx(result.numbers[key], rel=1e-12)
    assert "GRU" in (out / "summary.md").read_text()
