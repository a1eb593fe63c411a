"""Random networks and problems for the property tests: sizes, lengths and seeds from hypothesis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from rnnlab.exact.bptt import Network
from rnnlab.exact.cells import Params, State, make_cell


@dataclass
class Case:
    net: Network
    params: Params
    xs: np.ndarray  # (T, D)
    ys: np.ndarray  # (T, O), or (T,) class ids
    state0: State
    loss: str


def make_case(
    kind: str,
    D: int,
    H: int,
    O: int,
    T: int,
    seed: int,
    *,
    activation: str = "tanh",
    bias: bool = True,
    output_bias: bool = True,
    loss: str = "sse",
) -> Case:
    rng = np.random.default_rng(seed)
    cell = make_cell(kind, D, H, bias=bias, activation=activation)
    net = Network(cell, O, output_bias)
    params = net.init_params(rng, scale=0.6)
    xs = rng.standard_normal((T, D))
    ys = rng.integers(0, O, T) if loss == "cross_entropy" else rng.standard_normal((T, O))
    state0 = tuple(0.5 * rng.standard_normal(H) for _ in cell.state_names)
    return Case(net, params, xs, ys, state0, loss)


@st.composite
def cases(
    draw,
    kinds=("rnn", "gru", "lstm"),
    losses=("sse", "mse", "cross_entropy"),
    activations=("identity", "tanh", "relu"),
) -> Case:
    kind = draw(st.sampled_from(kinds))
    return make_case(
        kind,
        D=draw(st.integers(1, 4)),
        H=draw(st.integers(1, 5)),
        O=draw(st.integers(1, 3)),
        T=draw(st.integers(1, 8)),
        seed=draw(st.integers(0, 2**31 - 1)),
        activation=draw(st.sampled_from(activations)) if kind == "rnn" else "tanh",
        bias=draw(st.booleans()),
        output_bias=draw(st.booleans()),
        loss=draw(st.sampled_from(losses)),
    )
