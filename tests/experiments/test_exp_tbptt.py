"""The TBPTT experiment: the quick run fails below the lag, learns above it, and counts cost."""

from __future__ import annotations

import csv

import pytest

from rnnlab.experiments import tbptt
from rnnlab.nn.tbptt import tbptt_cost


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("tbptt")
    return tbptt.run(quick=True, seed=0, out=out), out


def test_configurations_cover_equal_windows_a_k1_below_k2_run_and_full_bptt():
    runs = tbptt.configurations(tbptt.FULL)
    assert any(k1 < k2 for series, k1, k2 in runs if series != "full BPTT")
    assert runs[-1] == ("full BPTT", tbptt.FULL.piece, tbptt.FULL.piece)
    assert min(k2 for _, _, k2 in runs) < tbptt.FULL.lag < max(k2 for _, _, k2 in runs)


def test_quick_truncation_shorter_than_the_lag_stays_near_chance(quick):
    result, _ = quick
    assert result.numbers["accuracy/2/2"] < 0.65  # lag 4, chance 0.5
    assert result.numbers["best_below_lag"] < 0.65


def test_quick_k1_below_k2_reaching_past_the_lag_learns_it(quick):
    result, _ = quick
    assert result.numbers["accuracy/2/8"] > 0.95
    assert result.numbers["worst_covering"] > 0.95


def test_quick_cost_counts_grow_with_k2_at_fixed_k1(quick):
    result, _ = quick
    v = result.numbers
    assert v["cell_steps_per_step/2/8"] == pytest.approx(tbptt_cost(64, 2, 8).per_step)
    assert v["cell_steps_per_step/2/8"] > 3 * v["cell_steps_per_step/2/2"]
    assert v["seconds_per_1000/2/8"] > 0 and v["seconds_per_1000/64/64"] > 0


def test_quick_run_writes_every_plotted_number(quick):
    result, out = quick
    assert [p.name for p in result.files] == ["tbptt.csv", "tbptt.png", "summary.md"]
    with open(out / "tbptt.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(tbptt.configurations(tbptt.QUICK))
    for row in rows:
        key = f"{row['k1']}/{row['k2']}"
        assert float(row["accuracy"]) == pytest.approx(result.numbers[f"accuracy/{key}"])
    assert "TBPTT(2, 8)" in (out / "summary.md").read_text()
