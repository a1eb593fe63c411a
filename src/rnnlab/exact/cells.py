"""The recurrent cells of the exact engine, one time step each: vanilla RNN, GRU and LSTM.

Each cell's backward sits directly under its forward, with the same names, taken from the
equations in its docstring. numpy float64, one sequence at a time (no batch); no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

State = tuple[np.ndarray, ...]  # (h,) for RNN and GRU, (h, c) for LSTM; each of shape (H,)
Params = dict[str, np.ndarray]  # parameter name -> array, names from the equations
Cache = dict[str, np.ndarray]  # what one step's backward needs from its forward

ACTIVATIONS = ("identity", "tanh", "relu")


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-a)), written through tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def activate(name: str, a: np.ndarray) -> np.ndarray:
    """f(a) for f in identity | tanh | relu."""
    if name == "identity":
        return a.copy()
    if name == "tanh":
        return np.tanh(a)
    return np.maximum(a, 0.0)


def activation_slope(name: str, a: np.ndarray, h: np.ndarray) -> np.ndarray:
    """f'(a), given the pre-activation a and h = f(a): 1, 1 - h^2, or [a > 0]."""
    if name == "identity":
        return np.ones_like(a)
    if name == "tanh":
        return 1.0 - h * h
    return (a > 0).astype(np.float64)


@dataclass(frozen=True)
class _Cell:
    input_size: int  # D, the size of x_t
    hidden_size: int  # H, the size of h_t
    bias: bool = True  # whether the cell has biases at all (torch's bias=True)

    kind: ClassVar[str] = ""
    gates: ClassVar[tuple[str, ...]] = ()  # letters of the gates, in torch's order
    state_names: ClassVar[tuple[str, ...]] = ("h",)

    def __post_init__(self) -> None:
        for name in ("input_size", "hidden_size"):
            size = getattr(self, name)
            if not isinstance(size, int) or size < 1:
                raise ValueError(f"{name} must be a positive integer, got {size!r}")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter name -> shape: W_x* (H, D), W_h* (H, H), b_* (H,)."""
        H, D = self.hidden_size, self.input_size
        shapes: dict[str, tuple[int, ...]] = {}
        for g in self.gates:
            shapes[f"W_x{g}"] = (H, D)
            shapes[f"W_h{g}"] = (H, H)
            if self.bias:
                shapes[f"b_{g}"] = (H,)
        return shapes

    def zero_state(self) -> State:
        """The all-zero state: one (H,) array per entry of `state_names`."""
        return tuple(np.zeros(self.hidden_size) for _ in self.state_names)

    def _pre(self, p: Params, g: str, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """W_xg x + W_hg h + b_g, the pre-activation of gate g."""
        a = p[f"W_x{g}"] @ x + p[f"W_h{g}"] @ h
        return a + p[f"b_{g}"] if self.bias else a

    def _pre_grads(
        self, g: str, da: np.ndarray, x: np.ndarray, h: np.ndarray, grads: Params
    ) -> None:
        """Given dL/da for a = W_xg x + W_hg h + b_g, store dL/dW_xg, dL/dW_hg and dL/db_g."""
        grads[f"W_x{g}"] = np.outer(da, x)
        grads[f"W_h{g}"] = np.outer(da, h)
        if self.bias:
            grads[f"b_{g}"] = da.copy()


@dataclass(frozen=True)
class RNNCell(_Cell):
    """The vanilla RNN (Elman) cell.

        a_t = W_h h_{t-1} + W_x x_t + b_h
        h_t = f(a_t),   f in identity | tanh | relu

    Parameters: W_h (H, H), W_x (H, D), b_h (H,). In matrix notation, W_hh = W_h, W_xh = W_x.
    """

    activation: str = "tanh"

    kind: ClassVar[str] = "rnn"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """W_h (H, H), W_x (H, D) and, with bias, b_h (H,)."""
        H, D = self.hidden_size, self.input_size
        shapes: dict[str, tuple[int, ...]] = {"W_h": (H, H), "W_x": (H, D)}
        if self.bias:
            shapes["b_h"] = (H,)
        return shapes

    def forward(self, p: Params, x: np.ndarray, state: State) -> tuple[State, Cache]:
        """One step: x (D,), state (h_{t-1},) -> (h_t,) and the cache for backward."""
        (h_prev,) = state
        a = p["W_h"] @ h_prev + p["W_x"] @ x
        if self.bias:
            a = a + p["b_h"]
        h = activate(self.activation, a)
        return (h,), {"x": x, "h_prev": h_prev, "a": a, "h": h}

    def backward(self, p: Params, cache: Cache, d_state: State) -> tuple[State, np.ndarray, Params]:
        """dL/dh_t -> (dL/dh_{t-1},), dL/dx_t (D,), and this step's dL/dW (h_{t-1} held fixed)."""
        (dh,) = d_state
        da = dh * activation_slope(self.activation, cache["a"], cache["h"])
        grads = {"W_h": np.outer(da, cache["h_prev"]), "W_x": np.outer(da, cache["x"])}
        if self.bias:
            grads["b_h"] = da.copy()
        return (p["W_h"].T @ da,), p["W_x"].T @ da, grads


@dataclass(frozen=True)
class GRUCell(_Cell):
    """The GRU cell with torch.nn.GRU's equations (the reset gate multiplies W_hn h + b_hn).

        r_t = sigmoid(W_xr x_t + W_hr h_{t-1} + b_r)              reset gate
        z_t = sigmoid(W_xz x_t + W_hz h_{t-1} + b_z)              update gate
        n_t = tanh(W_xn x_t + b_xn + r_t * (W_hn h_{t-1} + b_hn))  candidate
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Parameters: W_x* (H, D), W_h* (H, H), b_r, b_z, b_xn, b_hn (H,). torch keeps two biases for
    r and z; their sum is b_r and b_z here (see rnnlab.exact.interop).
    """

    kind: ClassVar[str] = "gru"
    gates: ClassVar[tuple[str, ...]] = ("r", "z", "n")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """W_xr, W_xz, W_xn (H, D); W_hr, W_hz, W_hn (H, H); b_r, b_z, b_xn, b_hn (H,)."""
        H, D = self.hidden_size, self.input_size
        shapes: dict[str, tuple[int, ...]] = {}
        for g in self.gates:
            shapes[f"W_x{g}"] = (H, D)
            shapes[f"W_h{g}"] = (H, H)
        if self.bias:
            shapes.update({"b_r": (H,), "b_z": (H,), "b_xn": (H,), "b_hn": (H,)})
        return shapes

    def forward(self, p: Params, x: np.ndarray, state: State) -> tuple[State, Cache]:
        """One step: x (D,), state (h_{t-1},) -> (h_t,) and the cache for backward."""
        (h_prev,) = state
        r = sigmoid(self._pre(p, "r", x, h_prev))
        z = sigmoid(self._pre(p, "z", x, h_prev))
        hn = p["W_hn"] @ h_prev + (p["b_hn"] if self.bias else 0.0)  # W_hn h_{t-1} + b_hn
        n = np.tanh(p["W_xn"] @ x + (p["b_xn"] if self.bias else 0.0) + r * hn)
        h = (1.0 - z) * n + z * h_prev
        return (h,), {"x": x, "h_prev": h_prev, "r": r, "z": z, "hn": hn, "n": n, "h": h}

    def backward(self, p: Params, cache: Cache, d_state: State) -> tuple[State, np.ndarray, Params]:
        """dL/dh_t -> (dL/dh_{t-1},), dL/dx_t (D,), and this step's dL/dW."""
        (dh,) = d_state
        x, h_prev, r, z, hn, n = (cache[k] for k in ("x", "h_prev", "r", "z", "hn", "n"))
        dn = dh * (1.0 - z)
        dz = dh * (h_prev - n)
        da_n = dn * (1.0 - n * n)  # through tanh
        dhn = da_n * r
        dr = da_n * hn
        da_r = dr * r * (1.0 - r)  # through sigmoid
        da_z = dz * z * (1.0 - z)
        grads: Params = {}
        self._pre_grads("r", da_r, x, h_prev, grads)
        self._pre_grads("z", da_z, x, h_prev, grads)
        grads["W_xn"] = np.outer(da_n, x)
        grads["W_hn"] = np.outer(dhn, h_prev)
        if self.bias:
            grads["b_xn"] = da_n.copy()
            grads["b_hn"] = dhn.copy()
        dh_prev = dh * z + p["W_hr"].T @ da_r + p["W_hz"].T @ da_z + p["W_hn"].T @ dhn
        dx = p["W_xr"].T @ da_r + p["W_xz"].T @ da_z + p["W_xn"].T @ da_n
        return (dh_prev,), dx, grads


@dataclass(frozen=True)
class LSTMCell(_Cell):
    """The LSTM cell with torch.nn.LSTM's equations; its state is the pair (h, c).

        i_t = sigmoid(W_xi x_t + W_hi h_{t-1} + b_i)     input gate
        f_t = sigmoid(W_xf x_t + W_hf h_{t-1} + b_f)     forget gate
        g_t = tanh(W_xg x_t + W_hg h_{t-1} + b_g)        candidate
        o_t = sigmoid(W_xo x_t + W_ho h_{t-1} + b_o)     output gate
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    Parameters: W_x* (H, D), W_h* (H, H), b_* (H,) for * in i, f, g, o. torch keeps two biases
    per gate; their sum is b_* here (see rnnlab.exact.interop).
    """

    kind: ClassVar[str] = "lstm"
    gates: ClassVar[tuple[str, ...]] = ("i", "f", "g", "o")
    state_names: ClassVar[tuple[str, ...]] = ("h", "c")

    def forward(self, p: Params, x: np.ndarray, state: State) -> tuple[State, Cache]:
        """One step: x (D,), state (h_{t-1}, c_{t-1}) -> (h_t, c_t) and the cache for backward."""
        h_prev, c_prev = state
        i = sigmoid(self._pre(p, "i", x, h_prev))
        f = sigmoid(self._pre(p, "f", x, h_prev))
        g = np.tanh(self._pre(p, "g", x, h_prev))
        o = sigmoid(self._pre(p, "o", x, h_prev))
        c = f * c_prev + i * g
        tc = np.tanh(c)
        h = o * tc
        cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "i": i, "f": f, "g": g, "o": o}
        return (h, c), cache | {"c": c, "tc": tc, "h": h}

    def backward(self, p: Params, cache: Cache, d_state: State) -> tuple[State, np.ndarray, Params]:
        """(dL/dh_t, dL/dc_t) -> (dL/dh_{t-1}, dL/dc_{t-1}), dL/dx_t (D,), and this step's dL/dW."""
        dh, dc_next = d_state
        x, h_prev, c_prev = cache["x"], cache["h_prev"], cache["c_prev"]
        i, f, g, o, tc = (cache[k] for k in ("i", "f", "g", "o", "tc"))
        do = dh * tc
        dc = dc_next + dh * o * (1.0 - tc * tc)  # the total dL/dc_t
        df = dc * c_prev
        di = dc * g
        dg = dc * i
        da = {
            "i": di * i * (1.0 - i),
            "f": df * f * (1.0 - f),
            "g": dg * (1.0 - g * g),
            "o": do * o * (1.0 - o),
        }
        grads: Params = {}
        dh_prev = np.zeros_like(h_prev)
        dx = np.zeros_like(x)
        for gate, da_gate in da.items():
            self._pre_grads(gate, da_gate, x, h_prev, grads)
            dh_prev += p[f"W_h{gate}"].T @ da_gate
            dx += p[f"W_x{gate}"].T @ da_gate
        return (dh_prev, dc * f), dx, grads


Cell = RNNCell | GRUCell | LSTMCell
CELLS: dict[str, type[_Cell]] = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}


def make_cell(
    kind: str, input_size: int, hidden_size: int, *, bias: bool = True, activation: str = "tanh"
) -> Cell:
    """The cell of `kind` (rnn | gru | lstm); `activation` applies to the vanilla RNN only."""
    if kind not in CELLS:
        raise ValueError(f"unknown cell {kind!r}; choose one of {', '.join(CELLS)}")
    if kind == "rnn":
        return RNNCell(input_size, hidden_size, bias, activation)
    return CELLS[kind](input_size, hidden_size, bias)  # type: ignore[return-value]
