"""The vanishing experiment: its draws, and the verdict-bearing numbers of the quick run."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from rnnlab.experiments import vanishing
from rnnlab.experiments.common import one_thread


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("vanishing")
    return vanishing.run(quick=True, seed=0, out=out), out


def test_orthogonal_init_is_orthogonal_and_scaled_init_has_radius_near_one():
    rng = np.random.default_rng(0)
    Q = vanishing.recurrent_matrix("orthogonal", 16, rng)
    np.testing.assert_allclose(Q.T @ Q, np.eye(16), atol=1e-12)
    W = vanishing.recurrent_matrix("scaled", 150, rng)
    with one_thread():
        assert 0.9 < np.abs(np.linalg.eigvals(W)).max() < 1.2


def test_every_cell_of_a_draw_shares_one_w_hh_and_one_input_sequence():
    draws = {c: vanishing.draw(c, 4, "normal", [0, 4, 0, 1], 10) for c in vanishing.CURVES}
    W, xs = draws["rnn"][2], draws["rnn"][3]
    for curve, (_, params, W_c, xs_c) in draws.items():
        main = vanishing.MAIN_MATRIX[vanishing.CURVES[curve][0]]
        assert params[main] is W_c and np.array_equal(W_c, W) and np.array_equal(xs_c, xs)
    assert np.all(draws["gru_open"][1]["b_z"] == vanishing.GATE_BIAS)
    assert np.all(draws["gru"][1]["b_z"] == 0.0)
    assert np.array_equal(draws["gru"][1]["W_hz"], draws["gru_open"][1]["W_hz"])


def test_one_thread_restores_the_thread_counts():
    import torch

    before = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_one_unit_standard_normal_w_hh_is_mostly_below_one(quick):
    result, _ = quick
    assert result.numbers["radius/n1/normal"] < 1.0
    assert result.numbers["radius_below_1/n1/normal"] > 0.55
    assert result.numbers["radius_below_1/n2/normal"] < 0.5  # from two units on, it is not


def test_64_unit_tanh_rnn_with_standard_normal_w_hh_explodes(quick):
    result, _ = quick
    assert result.numbers["norm_t50/rnn/n64/normal"] > 1e6
    assert result.numbers["radius/n64/normal"] > 6.0
    assert result.numbers["tanh_slope/n64/normal"] < 0.3  # saturated, and still exploding


def test_one_unit_tanh_rnn_gradient_vanishes_and_open_gates_keep_it(quick):
    result, _ = quick
    v = result.numbers
    assert v["norm_t50/rnn/n1/normal"] < 1e-6
    for init in ("scaled", "orthogonal"):
        assert v[f"norm_t50/gru/n64/{init}"] < 1e-4
        assert v[f"norm_t50/gru_open/n64/{init}"] > 100 * v[f"norm_t50/gru/n64/{init}"]
        assert v[f"norm_t50/lstm_open/n64/{init}"] > 1e-2


def test_quick_run_writes_csv_png_and_summary_with_the_plotted_numbers(quick):
    result, out = quick
    names = [p.name for p in result.files]
    assert names == [
        "vanishing.csv",
        "vanishing_matrices.csv",
        "vanishing_radius.csv",
        "vanishing.png",
        "summary.md",
    ]
    assert (out / "vanishing.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(out / "vanishing.csv") as f:
        rows = list(csv.DictReader(f))
    T = vanishing.QUICK.steps
    assert len(rows) == len(vanishing.CURVES) * len(vanishing.HIDDEN) * 3 * T
    row = next(
        r
        for r in rows
        if (r["cell"], r["init"], r["hidden"], r["t"]) == ("rnn", "normal", "64", "50")
    )
    assert float(row["norm_median"]) == pytest.approx(
        result.numbers["norm_t50/rnn/n64/normal"], rel=1e-5
    )
    assert "## Verdict" in (out / "summary.md").read_text()
