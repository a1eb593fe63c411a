"""The torch TBPTT(k1, k2) driver: update-for-update equal to the numpy engine, and it trains."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from rnnlab.errors import InputError
from rnnlab.exact.bptt import schedule, truncated_bptt
from rnnlab.nn.tbptt import (
    RecurrentReadout,
    detach,
    exact_grads,
    tbptt,
    tbptt_cost,
    to_exact,
    truncated_gradients,
)


def rel_error(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(1e-8, np.abs(a).max() + np.abs(b).max()))


def sse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return ((output - target) ** 2).sum()


def make_model(kind: str, D=2, H=3, O=2, seed=0, nonlinearity="tanh", layers=1) -> RecurrentReadout:
    torch.manual_seed(seed)
    if kind == "rnn":
        rnn = nn.RNN(D, H, nonlinearity=nonlinearity, batch_first=True, num_layers=layers)
    else:
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[kind](D, H, batch_first=True, num_layers=layers)
    return RecurrentReadout(rnn, nn.Linear(H, O)).double()


def stream(B=1, T=10, D=2, O=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(B, T, D, generator=g, dtype=torch.float64),
        torch.randn(B, T, O, generator=g, dtype=torch.float64),
    )


def initial_state(kind: str, B=1, H=3, seed=2):
    g = torch.Generator().manual_seed(seed)
    h = 0.5 * torch.randn(1, B, H, generator=g, dtype=torch.float64)
    return (
        (h, 0.5 * torch.randn(1, B, H, generator=g, dtype=torch.float64)) if kind == "lstm" else h
    )


def numpy_state(kind: str, state, b=0):
    parts = state if isinstance(state, tuple) else (state,)
    return tuple(p[0, b].numpy() for p in parts)


KINDS = [("rnn", "tanh"), ("rnn", "relu"), ("gru", "tanh"), ("lstm", "tanh")]


@pytest.mark.parametrize(("kind", "nonlinearity"), KINDS)
@pytest.mark.parametrize(
    ("k1", "k2", "T"), [(2, 5, 10), (3, 3, 7), (1, 4, 6), (3, 5, 8), (4, 9, 4)]
)
def test_truncated_gradients_match_the_numpy_engine_update_by_update(kind, nonlinearity, k1, k2, T):
    model = make_model(kind, nonlinearity=nonlinearity)
    inputs, targets = stream(T=T)
    state = initial_state(kind)
    grads, _ = truncated_gradients(model, inputs, targets, sse, k1, k2, state)
    net, params = to_exact(model)
    updates = truncated_bptt(
        net, params, inputs[0].numpy(), targets[0].numpy(), k1, k2, numpy_state(kind, state)
    )
    assert [(u.start, u.end, u.back_to) for u in updates] == schedule(T, k1, k2)
    assert len(grads) == len(updates)
    for ours, reference in zip(grads, updates, strict=True):
        for name, value in exact_grads(net, ours).items():
            assert rel_error(value, reference.params[name]) <= 1e-10, name


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_accumulated_batch_gradient_is_the_sum_of_each_sequences_updates(kind):
    model = make_model(kind)
    inputs, targets = stream(B=3, T=9)
    tbptt(model, inputs, targets, sse, None, k1=2, k2=4)
    net, params = to_exact(model)
    expected = None
    for b in range(3):
        for u in truncated_bptt(net, params, inputs[b].numpy(), targets[b].numpy(), 2, 4):
            expected = (
                u.params if expected is None else {n: expected[n] + u.params[n] for n in expected}
            )
    got = exact_grads(net, {n: p.grad for n, p in model.named_parameters()})
    for name, value in expected.items():
        assert rel_error(got[name], value) <= 1e-10, name


def test_k1_equal_k2_training_equals_the_stateful_chunk_loop():
    model = make_model("lstm")
    twin = copy.deepcopy(model)
    inputs, targets = stream(B=2, T=12)
    state = tbptt(model, inputs, targets, sse, torch.optim.SGD(model.parameters(), lr=0.05), 4, 4)

    opt = torch.optim.SGD(twin.parameters(), lr=0.05)
    twin_state = None
    for s in range(0, 12, 4):
        out, twin_state = twin(inputs[:, s : s + 4], twin_state)
        sse(out, targets[:, s : s + 4]).backward()
        opt.step()
        opt.zero_grad()
        twin_state = detach(twin_state)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)
    for a, b in zip(state, twin_state, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_returned_state_is_the_state_after_the_whole_stream(kind):
    model = make_model(kind, layers=2)  # more than one layer works too (no exact twin needed)
    inputs, targets = stream(B=2, T=11)
    state = tbptt(model, inputs, targets, sse, None, k1=3, k2=5)
    with torch.no_grad():
        _, expected = model(inputs)
    for a, b in zip(
        state if kind == "lstm" else (state,),
        expected if kind == "lstm" else (expected,),
        strict=True,
    ):
        assert not a.requires_grad
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_on_step_reports_each_window_and_the_cost_adds_up():
    model = make_model("gru")
    inputs, targets = stream(T=10)
    steps = []
    tbptt(
        model,
        inputs,
        targets,
        sse,
        torch.optim.SGD(model.parameters(), lr=0.0),
        2,
        5,
        on_step=steps.append,
    )
    assert [(s.start, s.end, s.back_to) for s in steps] == schedule(10, 2, 5)
    cost = tbptt_cost(10, 2, 5)
    assert cost.updates == len(steps) == 5
    assert sum(s.forward_steps for s in steps) == cost.forward_steps == 2 + 4 + 5 + 5 + 5
    assert cost.per_step == pytest.approx(2 * 21 / 10)
    assert all(s.loss > 0 and s.grad_norm > 0 and s.seconds >= 0 for s in steps)


def test_clip_bounds_each_update():
    model = make_model("rnn")
    before = [p.detach().clone() for p in model.parameters()]
    inputs, targets = stream(T=6)
    steps = []
    tbptt(
        model,
        10 * inputs,
        targets,
        sse,
        torch.optim.SGD(model.parameters(), lr=1.0),
        6,
        6,
        on_step=steps.append,
        clip=1e-3,
    )
    moved = torch.sqrt(
        sum(((p - q) ** 2).sum() for p, q in zip(model.parameters(), before, strict=True))
    )
    assert steps[0].grad_norm > 1e-3  # the reported norm is the one before clipping
    assert float(moved.detach()) == pytest.approx(1e-3, rel=1e-6)


def test_training_with_k1_below_k2_learns_a_delayed_echo():
    # y_t = x_{t-3}: a dependency that k2 = 8 covers; k1 = 4 updates twice per window
    torch.manual_seed(0)
    model = RecurrentReadout(nn.GRU(1, 16, batch_first=True), nn.Linear(16, 1))
    x = torch.randint(0, 2, (8, 160, 1)).float() * 2 - 1
    y = torch.cat([torch.zeros(8, 3, 1), x[:, :-3]], dim=1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(3):
        tbptt(
            model, x, y, nn.functional.mse_loss, opt, 4, 8, on_step=lambda s: losses.append(s.loss)
        )
    assert np.mean(losses[-10:]) < 0.1 * np.mean(losses[:10])


def test_k2_below_k1_and_mismatched_streams_are_refused():
    model = make_model("gru")
    inputs, targets = stream(T=6)
    with pytest.raises(InputError, match="k2"):
        tbptt(model, inputs, targets, sse, None, 4, 2)
    with pytest.raises(InputError, match="batch-first"):
        tbptt(model, inputs, targets[:, :5], sse, None, 2, 2)


def test_recurrent_readout_needs_batch_first():
    with pytest.raises(InputError, match="batch_first"):
        RecurrentReadout(nn.GRU(1, 2), nn.Linear(2, 1))
