"""Full and truncated BPTT of the exact engine against hand derivations and torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.errors import InputError
from rnnlab.exact.bptt import (
    Network,
    backward,
    bptt,
    forward,
    loss_terms,
    schedule,
    sum_updates,
    truncated_bptt,
)
from rnnlab.exact.cells import RNNCell

from .strategies import Case, cases, make_case
from .torch_oracle import rel_error, torch_bptt, torch_truncated

FEW = settings(max_examples=25, deadline=None)


def worked_example():
    net = Network(RNNCell(1, 1, bias=False, activation="identity"), 1)
    params = {"W_h": np.array([[1.0]]), "W_x": np.array([[0.1]]), "W_y": np.array([[2.0]])}
    return net, params, np.array([[10.0], [10.0]]), np.array([[5.0], [5.0]]), (np.array([1.0]),)


def test_worked_example_matches_the_assignment():
    net, params, xs, ys, h0 = worked_example()
    fwd, g = bptt(net, params, xs, ys, h0)
    np.testing.assert_allclose(fwd.h[:, 0], [1, 2, 3], atol=1e-12)
    np.testing.assert_allclose(fwd.y_hat[:, 0], [4, 6], atol=1e-12)
    assert g.loss == pytest.approx(2.0, abs=1e-12)
    assert g.h[1, 0] == pytest.approx(0.0, abs=1e-12)  # part 3: dL/dh_1
    assert g.params["W_h"][0, 0] == pytest.approx(8.0, abs=1e-12)  # part 4
    assert g.params["W_x"][0, 0] == pytest.approx(40.0, abs=1e-12)
    assert g.params["W_y"][0, 0] == pytest.approx(2.0, abs=1e-12)
    assert g.h[2, 0] == pytest.approx(4.0, abs=1e-12)


def test_scalar_recurrence_gives_dx3_dw_of_0_108():
    # x_{t+1} = w x_t with x_0 = 0.9, w = 0.2: dx_3/dw = 3 w^2 x_0 = 0.108
    net = Network(RNNCell(1, 1, bias=False, activation="identity"), 1)
    params = {"W_h": np.array([[0.2]]), "W_x": np.array([[0.0]]), "W_y": np.array([[1.0]])}
    fwd = forward(net, params, np.zeros((3, 1)), (np.array([0.9]),))
    assert fwd.h[3, 0] == pytest.approx(0.9 * 0.2**3, abs=1e-15)
    g = backward(net, params, fwd, np.array([[0.0], [0.0], [1.0]]))  # d(y_hat_3)/d(everything)
    assert g.params["W_h"][0, 0] == pytest.approx(0.108, abs=1e-15)
    assert g.h[0, 0] == pytest.approx(0.2**3, abs=1e-15)


@FEW
@given(cases())
def test_gradients_equal_torch_float64_autograd(case: Case):
    fwd, g = bptt(case.net, case.params, case.xs, case.ys, case.state0, case.loss)
    L, grads, d_states, dxs = torch_bptt(
        case.net, case.params, case.xs, case.ys, case.state0, case.loss
    )
    assert g.loss == pytest.approx(L, rel=1e-12, abs=1e-12)
    for name, value in grads.items():
        assert rel_error(g.params[name], value) <= 1e-10, name
    for k, (ours, theirs) in enumerate(zip(g.states, d_states, strict=True)):
        for a, b in zip(ours, theirs, strict=True):
            assert rel_error(a, b) <= 1e-10, f"state {k}"
    assert rel_error(g.xs, dxs) <= 1e-10


def _numeric_gradient(f, a: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        up = f()
        a[i] = old - eps
        down = f()
        a[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@settings(max_examples=12, deadline=None)
@given(cases(losses=("sse", "cross_entropy"), activations=("identity", "tanh")))
def test_gradients_agree_with_central_finite_differences(case: Case):
    _, g = bptt(case.net, case.params, case.xs, case.ys, case.state0, case.loss)

    def loss() -> float:
        return bptt(case.net, case.params, case.xs, case.ys, case.state0, case.loss)[1].loss

    # one relative error over the whole gradient vector: a tiny entry's round-off (about
    # 1e-16 |L| / eps) is then measured against the gradient's scale, as it should be
    ours = [g.params[name] for name in case.params] + [g.xs, g.states[0][0]]
    arrays = [*case.params.values(), case.xs, case.state0[0]]
    numeric = [_numeric_gradient(loss, a) for a in arrays]
    flat = np.concatenate([a.ravel() for a in ours])
    assert rel_error(flat, np.concatenate([a.ravel() for a in numeric])) <= 1e-7


@settings(max_examples=20, deadline=None)
@given(cases(losses=("sse", "cross_entropy")), st.integers(1, 9), st.integers(1, 9))
def test_truncated_bptt_equals_autograd_through_the_cut_graph(case: Case, a: int, b: int):
    k1, k2 = min(a, b), max(a, b)
    ours = truncated_bptt(case.net, case.params, case.xs, case.ys, k1, k2, case.state0, case.loss)
    theirs = torch_truncated(
        case.net, case.params, case.xs, case.ys, k1, k2, case.state0, case.loss
    )
    assert len(ours) == len(theirs)
    for update, (L, grads) in zip(ours, theirs, strict=True):
        assert update.loss == pytest.approx(L, rel=1e-12, abs=1e-12)
        for name, value in grads.items():
            assert rel_error(update.params[name], value) <= 1e-10, name


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_truncated_with_k1_equal_k2_equal_T_is_full_bptt(kind):
    case = make_case(kind, D=3, H=4, O=2, T=7, seed=3)
    _, full = bptt(case.net, case.params, case.xs, case.ys, case.state0, case.loss)
    (update,) = truncated_bptt(case.net, case.params, case.xs, case.ys, 7, 7, case.state0)
    assert update.loss == pytest.approx(full.loss, rel=1e-14)
    for name, value in full.params.items():
        assert rel_error(update.params[name], value) <= 1e-14
    for a, b in zip(update.boundary, full.states[0], strict=True):
        assert rel_error(a, b) <= 1e-14


def test_truncation_at_k2_below_T_changes_the_gradient():
    case = make_case("rnn", D=2, H=3, O=1, T=8, seed=1)
    _, full = bptt(case.net, case.params, case.xs, case.ys, case.state0)
    cut = sum_updates(truncated_bptt(case.net, case.params, case.xs, case.ys, 2, 3, case.state0))
    assert rel_error(cut["W_h"], full.params["W_h"]) > 1e-6
    assert rel_error(cut["W_y"], full.params["W_y"]) <= 1e-14  # the readout sees no time


def test_schedule_backpropagates_each_update_k2_steps_from_its_end():
    assert schedule(10, 2, 5) == [(1, 2, 1), (3, 4, 1), (5, 6, 2), (7, 8, 4), (9, 10, 6)]
    assert schedule(7, 3, 3) == [(1, 3, 1), (4, 6, 4), (7, 7, 5)]
    assert schedule(4, 1, 1) == [(1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4)]


@pytest.mark.parametrize(("k1", "k2"), [(0, 1), (3, 2), (1.5, 2)])
def test_schedule_refuses_k2_below_k1_and_nonpositive_sizes(k1, k2):
    with pytest.raises(InputError):
        schedule(10, k1, k2)


def test_cross_entropy_refuses_class_ids_out_of_range():
    with pytest.raises(InputError, match="class ids"):
        loss_terms("cross_entropy", np.zeros((2, 3)), np.array([0, 3]))
