"""The sympy form of the scalar RNN's gradients: the assignment's expression, the same numbers."""

from __future__ import annotations

import pytest
import sympy as sp

from rnnlab.errors import InputError
from rnnlab.exact.bptt import bptt
from rnnlab.exact.spec import scalar_problem
from rnnlab.exact.symbolic import evaluate, in_inputs, render_symbolic, symbolic_gradients


def test_worked_example_dW_h_is_the_assignments_expression():
    sg = symbolic_gradients(scalar_problem(1, 0.1, 2, [10, 10], [5, 5], h0=1))
    W_h, W_y, h_0, h_1, y_1, y_2, yh_1, yh_2 = sp.symbols("W_h W_y h_0 h_1 y_1 y_2 y_hat_1 y_hat_2")
    assignment = 2 * (yh_1 - y_1) * W_y * h_0 + 2 * (yh_2 - y_2) * W_y * (h_1 + W_h * h_0)
    assert sp.simplify(sg.grads["W_h"] - assignment) == 0
    assert sg.texts["W_h"] == "2*(y_hat_1 - y_1)*W_y*h_0 + 2*(y_hat_2 - y_2)*W_y*(W_h*h_0 + h_1)"
    assert evaluate(sg.grads["W_h"], sg.values) == pytest.approx(8)
    assert evaluate(sg.grads["h_1"], sg.values) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("activation", ["identity", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_expressions_evaluate_to_the_numeric_gradients(activation, loss):
    problem = scalar_problem(
        0.8,
        0.3,
        -1.1,
        [1, -0.5, 2, 0.7, -1.5, 0.2],
        [0.5, 1, -1, 0, 2, 1],
        h0=0.3,
        bh=0.1,
        by=0.2,
        activation=activation,
        loss=loss,
    )
    sg = symbolic_gradients(problem)
    _, g = bptt(problem.net, problem.params, problem.xs, problem.ys, problem.state0, loss)
    for name, value in g.params.items():
        assert evaluate(sg.grads[name], sg.values) == pytest.approx(
            float(value[0, ...].sum()), rel=1e-10, abs=1e-12
        )
    for k, state in enumerate(g.states):
        assert evaluate(sg.grads[f"h_{k}"], sg.values) == pytest.approx(state[0][0], abs=1e-12)


def test_path_form_equals_sympy_differentiating_the_loss_in_the_inputs():
    problem = scalar_problem(0.6, 0.4, 1.5, [1, 2, -1], [0, 1, 0.5], h0=0.2, activation="tanh")
    sg = symbolic_gradients(problem)
    loss_in_inputs = in_inputs(sg, sg.loss)
    W_h = sp.Symbol("W_h")
    direct = sp.diff(loss_in_inputs, W_h)
    assert float(direct.subs(sg.values)) == pytest.approx(
        evaluate(in_inputs(sg, sg.grads["W_h"]), sg.values), rel=1e-12
    )


def test_render_shows_expression_then_value():
    text = render_symbolic(symbolic_gradients(scalar_problem(1, 0.1, 2, [10, 10], [5, 5], h0=1)))
    assert (
        "dL/dW_h = 2*(y_hat_1 - y_1)*W_y*h_0 + 2*(y_hat_2 - y_2)*W_y*(W_h*h_0 + h_1)\n    = 8"
        in text
    )
    assert "L = (y_hat_1 - y_1)**2 + (y_hat_2 - y_2)**2" in text


def test_symbolic_refuses_long_sequences():
    with pytest.raises(InputError, match="at most 8 steps"):
        symbolic_gradients(scalar_problem(1, 1, 1, [1] * 9, [1] * 9))
