"""A BPTT problem (network, parameters, inputs, targets, initial state, loss) from command-line
numbers or from a JSON spec; the schema is documented in docs/bptt-spec.md.

Validation only: every mistake becomes one InputError naming the field and the fix. No maths here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.errors import InputError
from rnnlab.exact.bptt import LOSSES, Network
from rnnlab.exact.cells import ACTIVATIONS, CELLS, Params, State, make_cell

SPEC_KEYS = ("cell", "activation", "loss", "params", "h0", "c0", "x", "y")


@dataclass
class Problem:
    """One sequence to run forward and differentiate."""

    net: Network  # the cell and readout, with their sizes
    params: Params  # every parameter by its equation name, float64
    xs: np.ndarray  # (T, D) inputs x_1..x_T
    ys: np.ndarray  # (T, O) targets, or (T,) class ids for cross_entropy
    state0: State  # (h_0,) or (h_0, c_0), each (H,)
    loss: str = "sse"  # one of LOSSES

    @property
    def scalar(self) -> bool:
        """Whether every size is 1, so values read as plain numbers."""
        c = self.net.cell
        return c.input_size == c.hidden_size == self.net.output_size == 1

    @property
    def steps(self) -> int:
        """T, the sequence length."""
        return len(self.xs)


def scalar_problem(
    wh: float,
    wx: float,
    wy: float,
    x: list[float],
    y: list[float],
    h0: float = 0.0,
    bh: float | None = None,
    by: float | None = None,
    activation: str = "identity",
    loss: str = "sse",
) -> Problem:
    """The assignment's scalar RNN, h_t = f(W_h h_{t-1} + W_x x_t [+ b_h]) and
    y_hat_t = W_y h_t [+ b_y], over inputs x and targets y (T numbers each) from h_0 = h0."""
    if not x:
        raise InputError("no inputs; give the sequence with --x X1 X2 ...")
    if len(y) != len(x):
        raise InputError(f"give one target per input: {len(x)} inputs but {len(y)} targets")
    _check_choice("activation", activation, ACTIVATIONS)
    _check_choice("loss", loss, LOSSES)
    cell = make_cell("rnn", 1, 1, bias=bh is not None, activation=activation)
    net = Network(cell, 1, output_bias=by is not None)
    params: Params = {"W_h": [[wh]], "W_x": [[wx]], "W_y": [[wy]]}
    if bh is not None:
        params["b_h"] = [bh]
    if by is not None:
        params["b_y"] = [by]
    xs = np.array(x, dtype=np.float64).reshape(-1, 1)
    ys = np.array(y, dtype=np.float64)
    ys = ys if loss == "cross_entropy" else ys.reshape(-1, 1)
    return Problem(net, net.check_params(params), xs, ys, (np.array([float(h0)]),), loss)


def load_spec(path: Path) -> Problem:
    """The problem described by the JSON file at `path` (see docs/bptt-spec.md)."""
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path} is not valid JSON ({e}); see docs/bptt-spec.md") from None
    try:
        return parse_spec(spec)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None


def parse_spec(spec: Any) -> Problem:
    """The problem described by a decoded JSON object (see docs/bptt-spec.md)."""
    if not isinstance(spec, dict):
        raise InputError("the spec must be a JSON object with params, x and y")
    unknown = sorted(set(spec) - set(SPEC_KEYS))
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(SPEC_KEYS)}")
    kind = spec.get("cell", "rnn")
    _check_choice("cell", kind, tuple(CELLS))
    activation = spec.get("activation", "identity")
    _check_choice("activation", activation, ACTIVATIONS)
    if kind != "rnn" and "activation" in spec:
        raise InputError(f"activation applies to the rnn cell only; remove it for {kind}")
    loss = spec.get("loss", "sse")
    _check_choice("loss", loss, LOSSES)
    for key in ("params", "x", "y"):
        if key not in spec:
            raise InputError(f"missing {key!r}; see docs/bptt-spec.md for the schema")
    raw = spec["params"]
    if not isinstance(raw, dict):
        raise InputError("params must be an object mapping names such as W_h to numbers or lists")
    arrays = {name: _array(name, value) for name, value in raw.items()}

    first = CELLS[kind].gates[0] if CELLS[kind].gates else ""  # W_h, or W_hr / W_hi
    for name in (f"W_h{first}", f"W_x{first}", "W_y"):
        if name not in arrays:
            raise InputError(f"params needs {name} for a {kind} cell")
    H = _rows(arrays[f"W_h{first}"])
    xs = _array("x", spec["x"])
    xs = xs.reshape(-1, 1) if xs.ndim == 1 else xs
    if xs.ndim != 2 or len(xs) == 0:
        raise InputError("x must be a list of T steps, each a number or a list of D numbers")
    O = _rows(arrays["W_y"]) if arrays["W_y"].ndim == 2 else 1
    cell_bias = any(name.startswith("b_") and name != "b_y" for name in arrays)
    cell = make_cell(kind, xs.shape[1], H, bias=cell_bias, activation=activation)
    net = Network(cell, O, output_bias="b_y" in arrays)
    expected = net.shapes()
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise InputError(
            f"unknown parameter(s) {', '.join(extra)} for a {kind} cell; "
            f"expected {', '.join(expected)}"
        )
    params = net.check_params({n: _fit(n, a, expected[n]) for n, a in arrays.items()})

    ys = _array("y", spec["y"])
    if loss != "cross_entropy":
        ys = ys.reshape(-1, 1) if ys.ndim == 1 and O == 1 else ys
        if ys.shape != (len(xs), O):
            raise InputError(f"y must have {len(xs)} steps of {O} number(s), one per input step")
    elif ys.shape != (len(xs),):
        raise InputError(f"y must be {len(xs)} class ids (0..{O - 1}), one per input step")
    if kind != "lstm" and "c0" in spec:
        raise InputError("c0 is the LSTM's cell state; remove it for an rnn or gru cell")
    state0 = tuple(
        _fit(name, _array(name, spec.get(name, [0.0] * H)), (H,)) for name in ("h0", "c0")
    )
    return Problem(net, params, xs, ys, state0[: len(cell.state_names)], loss)


def _check_choice(what: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")


def _array(name: str, value: Any) -> np.ndarray:
    try:
        a = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number or a (nested) list of numbers") from None
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} contains a non-finite number")
    return a


def _rows(a: np.ndarray) -> int:
    """The number of rows of a matrix given as a number (1 x 1) or a nested list."""
    return 1 if a.ndim < 2 else a.shape[0]


def _fit(name: str, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`a` in `shape`: numbers and flat lists of the right size are accepted for matrices."""
    if a.shape == shape or (a.ndim <= 1 and a.size == int(np.prod(shape))):
        return a.reshape(shape)
    raise InputError(f"{name} has shape {a.shape}, expected {shape}")
