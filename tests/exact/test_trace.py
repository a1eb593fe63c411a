"""The worked-example solver: path terms that add up, the assignment's numbers, the JSON form."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.exact.spec import parse_spec, scalar_problem
from rnnlab.exact.trace import num, render, to_json, trace

from .strategies import make_case


def worked():
    return trace(scalar_problem(1, 0.1, 2, [10, 10], [5, 5], h0=1))


def test_worked_example_json_has_the_assignment_numbers():
    out = to_json(worked())
    assert set(out) == {"h", "y_hat", "loss", "grad"}
    assert out["h"] == pytest.approx([2, 3])
    assert out["y_hat"] == pytest.approx([4, 6])
    assert out["loss"] == pytest.approx(2)
    grad = out["grad"]
    assert list(grad) == ["W_h", "W_x", "W_y", "h_0", "h_1", "h_2"]
    assert grad["W_h"] == pytest.approx(8) and grad["h_1"] == pytest.approx(0, abs=1e-12)
    assert grad["W_x"] == pytest.approx(40) and grad["W_y"] == pytest.approx(2)


def test_dW_h_splits_into_the_assignments_three_path_terms():
    terms = {(term.t, term.k): term for term in worked().param_terms["W_h"]}
    # 2(y_hat1 - y1) W_y h0 + 2(y_hat2 - y2) W_y (h1 + W_h h0) = -4 + (4 + 8)
    assert {tk: float(term.value.sum()) for tk, term in terms.items()} == pytest.approx(
        {(1, 1): -4.0, (2, 1): 4.0, (2, 2): 8.0}
    )
    assert terms[(2, 1)].factors == pytest.approx((2, 2, 1, 1))  # dJ/dy_hat, W_y, dh2/dh1, h0


@pytest.mark.parametrize("activation", ["identity", "tanh", "relu"])
def test_scalar_factors_multiply_to_each_term_and_terms_sum_to_the_gradient(activation):
    tr = trace(
        scalar_problem(
            0.7, -0.4, 1.3, [1, -2, 0.5, 3], [0.2, 1, -1, 0.3], 0.4, 0.1, -0.2, activation
        )
    )
    for name, terms in tr.param_terms.items():
        for term in terms:
            assert np.prod(term.factors) == pytest.approx(float(term.value.sum()), abs=1e-12)
        total = sum(float(term.value.sum()) for term in terms)
        assert total == pytest.approx(float(tr.grads.params[name].sum()), abs=1e-12)
    for k, terms in tr.state_terms.items():
        total = sum(float(term.value.sum()) for term in terms)
        assert total == pytest.approx(float(tr.grads.states[k][0][0]), abs=1e-12)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_vector_terms_sum_to_the_gradient_for_every_cell(kind):
    case = make_case(kind, D=2, H=3, O=2, T=4, seed=5)
    from rnnlab.exact.spec import Problem

    tr = trace(Problem(case.net, case.params, case.xs, case.ys, case.state0, "sse"))
    for name, terms in tr.param_terms.items():
        np.testing.assert_allclose(sum(t.value for t in terms), tr.grads.params[name], atol=1e-12)
        assert all(not t.factors for t in terms)
    assert len(tr.param_terms["W_hz" if kind == "gru" else "W_y"]) in (4, 10)
    out = to_json(tr)
    assert np.array(out["grad"]["W_y"]).shape == (2, 3)
    assert np.array(out["h"]).shape == (4, 3)
    if kind == "lstm":
        assert "c_4" in out["grad"]


def test_text_output_shows_the_forward_table_and_the_sums():
    text = render(worked())
    assert "h_1 = 2, h_2 = 3, y_hat_1 = 4, y_hat_2 = 6" in text
    assert "L = 2\n" in text
    assert "dL/dh_1 = -4 + 4 = 0" in text
    assert "dL/dW_h = -4 + 8 + 4 = 8" in text
    assert "t=2 k=1: (2) * (2) * (1) * (1) = 4" in text


def test_markdown_output_has_a_table_and_code_blocks():
    md = render(worked(), "markdown")
    assert "| t | x_t | h_t | y_hat_t | y_t | J_t |" in md
    assert md.count("```") == 4


def test_numbers_print_clean_to_twelve_digits():
    assert num(8.000000000000002) == "8"
    assert num(-0.0) == "0"
    assert num(2.5e-17, scale=4.0) == "0"
    assert num(0.1 + 0.2) == "0.3"
    assert num(1 / 3) == "0.333333333333"


def test_tanh_spec_with_two_hidden_units_prints_vectors():
    problem = parse_spec(
        {
            "activation": "tanh",
            "params": {
                "W_h": [[0.5, -0.3], [0.2, 0.4]],
                "W_x": [[1.0], [-0.5]],
                "W_y": [[1.0, 2.0]],
            },
            "x": [1, 0.5],
            "y": [0.3, -0.2],
        }
    )
    text = render(trace(problem))
    assert "dL/dW_h:" in text and "[[" in text
