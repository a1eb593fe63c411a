"""Jacobians dh_t/dh_k, their norms, and the spectral measures of W_hh."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.exact.bptt import backward, forward
from rnnlab.exact.jacobians import (
    jacobian_norms,
    jacobian_table,
    largest_singular_value,
    norms_from_start,
    spectral_radius,
    step_jacobian,
)

from .strategies import make_case
from .torch_oracle import rel_error


def _numeric_step_jacobian(cell, params, x, state, eps=1e-6):
    """ds_t/ds_{t-1} by central differences over the flattened state."""
    flat = np.concatenate(state)
    H = cell.hidden_size
    cols = []
    for j in range(len(flat)):
        plus, minus = flat.copy(), flat.copy()
        plus[j] += eps
        minus[j] -= eps
        up = np.concatenate(cell.forward(params, x, tuple(plus.reshape(-1, H)))[0])
        down = np.concatenate(cell.forward(params, x, tuple(minus.reshape(-1, H)))[0])
        cols.append((up - down) / (2 * eps))
    return np.stack(cols, axis=1)


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(["rnn", "gru", "lstm"]),
    st.integers(1, 4),
    st.integers(1, 5),
    st.integers(0, 10**6),
)
def test_step_jacobian_matches_finite_differences(kind, D, H, seed):
    case = make_case(kind, D, H, 1, 1, seed)
    _, cache = case.net.cell.forward(case.params, case.xs[0], case.state0)
    J = step_jacobian(case.net.cell, case.params, cache)
    numeric = _numeric_step_jacobian(case.net.cell, case.params, case.xs[0], case.state0)
    assert rel_error(J, numeric) <= 1e-8


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_jacobian_table_agrees_with_backpropagation(kind):
    # dL/dh_0 for L = v . h_T must equal v^T dh_T/dh_0 (h-block for the LSTM, with c_T unread)
    case = make_case(kind, D=2, H=3, O=3, T=5, seed=7, output_bias=False)
    params = dict(case.params, W_y=np.eye(3))
    fwd = forward(case.net, params, case.xs, case.state0)
    v = np.array([0.3, -1.2, 0.7])
    dy = np.zeros((5, 3))
    dy[-1] = v
    g = backward(case.net, params, fwd, dy)
    table = jacobian_table(case.net.cell, params, case.xs, case.state0)
    assert rel_error(g.states[0][0], v @ table[5, 0]) <= 1e-12
    assert rel_error(g.states[2][0], v @ table[5, 2]) <= 1e-12
    np.testing.assert_allclose(table[3, 3], np.eye(3))
    np.testing.assert_allclose(table[1, 3], 0.0)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_norms_from_start_equal_the_first_column_of_the_norm_table(kind):
    case = make_case(kind, D=2, H=4, O=1, T=6, seed=11)
    table = jacobian_norms(case.net.cell, case.params, case.xs, case.state0)
    fast = norms_from_start(case.net.cell, case.params, case.xs, case.state0)
    assert fast.shape == (6,)
    np.testing.assert_allclose(fast, table[1:, 0], rtol=1e-10)
    assert np.isnan(table[0, 1])


def test_scalar_linear_rnn_has_dh_t_dh_0_equal_w_to_the_t():
    case = make_case("rnn", D=1, H=1, O=1, T=4, seed=0, activation="identity")
    params = dict(case.params, W_h=np.array([[-0.5]]))
    norms = norms_from_start(case.net.cell, params, case.xs)
    np.testing.assert_allclose(norms, 0.5 ** np.arange(1, 5), rtol=1e-12)


def test_norms_from_start_stay_finite_in_log10_far_beyond_float_range():
    # W_h = 3 I over 700 steps: ||dh_700/dh_0|| = 3^700, about 1e334; W_h = I / 3: about 1e-334
    case = make_case("rnn", D=1, H=4, O=1, T=700, seed=0, activation="identity", bias=False)
    case.params["W_x"] = np.zeros((4, 1))  # h_t stays 0; the Jacobian is W_h^t all the same
    big = norms_from_start(case.net.cell, dict(case.params, W_h=3 * np.eye(4)), case.xs, log10=True)
    small = norms_from_start(
        case.net.cell, dict(case.params, W_h=np.eye(4) / 3), case.xs, log10=True
    )
    assert big[-1] == pytest.approx(700 * np.log10(3), rel=1e-12)
    assert small[-1] == pytest.approx(-700 * np.log10(3), rel=1e-12)
    plain = norms_from_start(case.net.cell, dict(case.params, W_h=3 * np.eye(4)), case.xs)
    assert plain[-1] == np.inf and np.isfinite(plain[600])


def test_lstm_full_state_norm_is_at_least_the_h_block_norm():
    case = make_case("lstm", D=2, H=3, O=1, T=5, seed=2)
    h_only = norms_from_start(case.net.cell, case.params, case.xs, case.state0)
    full = norms_from_start(case.net.cell, case.params, case.xs, case.state0, full_state=True)
    assert np.all(full >= h_only - 1e-12)


def test_spectral_radius_and_largest_singular_value_of_a_known_matrix():
    W = np.array([[0.0, 2.0], [0.5, 0.0]])  # eigenvalues +-1, singular values 2 and 0.5
    assert spectral_radius(W) == pytest.approx(1.0, rel=1e-12)
    assert largest_singular_value(W) == pytest.approx(2.0, rel=1e-12)
