"""A cell run over one sequence with a linear readout, its losses, and backpropagation through time.

Full BPTT returns dL/dW for every parameter, the total dL/ds_k for every state and dL/dx_t;
truncated BPTT(k1, k2) is defined here, and the torch driver (rnnlab.nn.tbptt) follows it.
numpy float64, one sequence at a time; no torch, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnlab.errors import InputError
from rnnlab.exact.cells import Cache, Cell, Params, State

LOSSES = ("sse", "mse", "cross_entropy")


@dataclass(frozen=True)
class Network:
    """A cell over a sequence with a readout at every step.

    s_t = cell(x_t, s_{t-1}),   s_t = (h_t,) or (h_t, c_t)
    y_hat_t = W_y h_t + b_y                       W_y (O, H), b_y (O,)
    """

    cell: Cell  # the recurrent cell, with its sizes D and H
    output_size: int = 1  # O, the size of y_hat_t
    output_bias: bool = False  # whether the readout has b_y

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter's name and shape: the cell's, then W_y (O, H) and maybe b_y (O,)."""
        shapes = self.cell.shapes() | {"W_y": (self.output_size, self.cell.hidden_size)}
        if self.output_bias:
            shapes["b_y"] = (self.output_size,)
        return shapes

    def init_params(self, rng: np.random.Generator, scale: float = 0.5) -> Params:
        """Parameters drawn from N(0, scale^2), for tests and experiments."""
        return {name: scale * rng.standard_normal(shape) for name, shape in self.shapes().items()}

    def check_params(self, params: Params) -> Params:
        """`params` as float64 arrays, or an InputError naming what is missing or misshapen."""
        shapes = self.shapes()
        missing = [name for name in shapes if name not in params]
        if missing:
            raise InputError(f"missing parameter(s) {', '.join(missing)}; give every one of them")
        checked: Params = {}
        for name, shape in shapes.items():
            value = np.asarray(params[name], dtype=np.float64)
            if value.shape != shape:
                raise InputError(f"{name} has shape {value.shape}, expected {shape}")
            checked[name] = value
        return checked


@dataclass
class ForwardPass:
    """Everything the forward pass computed, indexed by step t = 1..T."""

    states: list[State]  # s_0 .. s_T (states[0] is the initial state)
    caches: list[Cache]  # the cache of step t at index t - 1
    y_hat: np.ndarray  # (T, O), row t - 1 is y_hat_t

    @property
    def h(self) -> np.ndarray:
        """(T + 1, H): h_0 .. h_T."""
        return np.stack([s[0] for s in self.states])


@dataclass
class Gradients:
    """The gradient of a loss with respect to everything the forward pass touched."""

    params: Params  # dL/dW, same names and shapes as the parameters
    states: list[State]  # dL/ds_k for k = 0..T: total derivatives, through every later step
    xs: np.ndarray  # (T, D), row t - 1 is dL/dx_t
    loss: float = float("nan")  # L itself, when the gradient is of a loss

    @property
    def h(self) -> np.ndarray:
        """(T + 1, H): dL/dh_0 .. dL/dh_T (the assignment's total dL/dh_k)."""
        return np.stack([s[0] for s in self.states])


@dataclass
class TruncatedUpdate:
    """One update of truncated BPTT: the loss of steps start..end, backpropagated to back_to."""

    start: int  # first step whose loss J_t is in this update
    end: int  # last step (the update happens after step `end`)
    back_to: int  # earliest step the gradient flows through; s_{back_to - 1} is a constant
    loss: float  # sum of J_t for t = start..end
    params: Params  # dL/dW of this update's loss through the truncated graph
    boundary: State = field(default=())  # the gradient that reached s_{back_to - 1} and stopped


def forward(
    net: Network, params: Params, xs: np.ndarray, state0: State | None = None
) -> ForwardPass:
    """Run the cell over xs (T, D) from state0 (default zeros); y_hat (T, O)."""
    xs = np.asarray(xs, dtype=np.float64)
    state = net.cell.zero_state() if state0 is None else tuple(np.asarray(s, float) for s in state0)
    states, caches, y_hat = [state], [], []
    for x in xs:
        state, cache = net.cell.forward(params, x, state)
        states.append(state)
        caches.append(cache)
        y = params["W_y"] @ state[0]
        y_hat.append(y + params["b_y"] if net.output_bias else y)
    return ForwardPass(states, caches, np.array(y_hat).reshape(len(xs), net.output_size))


def loss_terms(kind: str, y_hat: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The per-step losses J_t (T,) and their gradients dJ_t/dy_hat_t (T, O); L = sum_t J_t.

    sse:            J_t = sum_j (y_hat_tj - y_tj)^2            ys (T, O); the assignment's L
    mse:            J_t = sum_j (y_hat_tj - y_tj)^2 / (T O)    ys (T, O); torch's mse_loss
    cross_entropy:  J_t = -log softmax(y_hat_t)[y_t]           ys (T,) class ids in 0..O-1;
                    summed over steps, torch's cross_entropy(reduction="sum")
    """
    T, O = y_hat.shape
    if kind in ("sse", "mse"):
        ys = np.asarray(ys, dtype=np.float64).reshape(T, O)
        scale = 1.0 if kind == "sse" else 1.0 / (T * O)
        err = y_hat - ys
        return scale * (err * err).sum(axis=1), 2.0 * scale * err
    if kind == "cross_entropy":
        classes = np.asarray(ys).reshape(T)
        if not np.all((classes >= 0) & (classes < O) & (classes == np.round(classes))):
            raise InputError(f"cross_entropy targets must be class ids 0..{O - 1}, one per step")
        classes = classes.astype(int)
        shifted = y_hat - y_hat.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        onehot = np.eye(O)[classes]
        return -log_p[np.arange(T), classes], np.exp(log_p) - onehot
    raise InputError(f"unknown loss {kind!r}; choose one of {', '.join(LOSSES)}")


def _backprop(
    net: Network, params: Params, fwd: ForwardPass, dy: np.ndarray, end: int, back_to: int
) -> tuple[Params, list[State], np.ndarray]:
    """Backpropagate dy (T, O) = dL/dy_hat_t from step `end` down to step `back_to`.

    Returns dL/dW, the states' gradients [dL/ds_{back_to - 1}, ..., dL/ds_end] and dL/dx (T, D)
    (zero outside back_to..end). Output gradients of steps after `end` are ignored.
    """
    cell = net.cell
    grads = {name: np.zeros(shape) for name, shape in net.shapes().items()}
    dxs = np.zeros((len(fwd.caches), cell.input_size))
    d_state: State = tuple(np.zeros(cell.hidden_size) for _ in cell.state_names)
    d_states: list[State] = []
    for t in range(end, back_to - 1, -1):
        # the readout: y_hat_t = W_y h_t + b_y
        dy_t = dy[t - 1]
        grads["W_y"] += np.outer(dy_t, fwd.states[t][0])
        if net.output_bias:
            grads["b_y"] += dy_t
        d_state = (d_state[0] + params["W_y"].T @ dy_t, *d_state[1:])
        d_states.append(d_state)  # now the total dL/ds_t
        # the cell: s_t = cell(x_t, s_{t-1})
        d_state, dxs[t - 1], step = cell.backward(params, fwd.caches[t - 1], d_state)
        for name, g in step.items():
            grads[name] += g
    d_states.append(d_state)
    return grads, d_states[::-1], dxs


def backward(net: Network, params: Params, fwd: ForwardPass, dy: np.ndarray) -> Gradients:
    """Full BPTT of any output gradient dy (T, O), dy[t - 1] = dL/dy_hat_t."""
    T = len(fwd.caches)
    dy = np.asarray(dy, dtype=np.float64).reshape(T, net.output_size)
    grads, d_states, dxs = _backprop(net, params, fwd, dy, end=T, back_to=1)
    return Gradients(grads, d_states, dxs)


def bptt(
    net: Network,
    params: Params,
    xs: np.ndarray,
    ys: np.ndarray,
    state0: State | None = None,
    loss: str = "sse",
) -> tuple[ForwardPass, Gradients]:
    """Forward over xs (T, D), the loss against ys, and full BPTT of L = sum_t J_t."""
    fwd = forward(net, params, xs, state0)
    J, dy = loss_terms(loss, fwd.y_hat, ys)
    grads = backward(net, params, fwd, dy)
    grads.loss = float(J.sum())
    return fwd, grads


def schedule(T: int, k1: int, k2: int) -> list[tuple[int, int, int]]:
    """The updates of TBPTT(k1, k2) over T steps, as (start, end, back_to), steps from 1.

    After every k1 steps (and after step T, if T is not a multiple of k1) one update
    backpropagates the losses J_start..J_end of those steps from step `end` back to step
    back_to = max(1, end - k2 + 1): through k2 steps, the state s_{back_to - 1} held constant.
    So the loss of step t reaches back to steps back_to..t: the last step of an update sees k2
    steps, its first only k2 - k1 + 1. k1 = k2 is the common "stateful chunks" case.
    """
    for name, k in (("k1", k1), ("k2", k2)):
        if not isinstance(k, int) or k < 1:
            raise InputError(f"{name} must be a positive integer, got {k!r}")
    if k2 < k1:
        raise InputError(f"k2 ({k2}) must be at least k1 ({k1}): each update reaches back k2 steps")
    if T < 1:
        return []
    ends = [*range(k1, T + 1, k1)]
    if not ends or ends[-1] != T:
        ends.append(T)
    starts = [1] + [e + 1 for e in ends[:-1]]
    return [(s, e, max(1, e - k2 + 1)) for s, e in zip(starts, ends, strict=True)]


def truncated_bptt(
    net: Network,
    params: Params,
    xs: np.ndarray,
    ys: np.ndarray,
    k1: int,
    k2: int,
    state0: State | None = None,
    loss: str = "sse",
) -> list[TruncatedUpdate]:
    """TBPTT(k1, k2) at fixed parameters: one TruncatedUpdate per update of `schedule`.

    Every k1 steps, the loss of those k1 steps is backpropagated k2 steps into the past (see
    `schedule`). The parameters do not change between updates here; a trainer would step them.
    With k1 = k2 = T this is full BPTT; the sum over updates is the gradient a single step of
    accumulated truncated BPTT would take.
    """
    fwd = forward(net, params, xs, state0)
    J, dy = loss_terms(loss, fwd.y_hat, ys)
    updates = []
    for start, end, back_to in schedule(len(fwd.caches), k1, k2):
        dy_chunk = np.zeros_like(dy)
        dy_chunk[start - 1 : end] = dy[start - 1 : end]  # only this update's losses
        grads, d_states, _ = _backprop(net, params, fwd, dy_chunk, end, back_to)
        loss_value = float(J[start - 1 : end].sum())
        updates.append(TruncatedUpdate(start, end, back_to, loss_value, grads, d_states[0]))
    return updates


def sum_updates(updates: list[TruncatedUpdate]) -> Params:
    """The sum of the updates' parameter gradients."""
    total = {name: np.zeros_like(g) for name, g in updates[0].params.items()}
    for u in updates:
        for name, g in u.params.items():
            total[name] += g
    return total
