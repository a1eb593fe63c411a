"""Translation between torch.nn.RNN/GRU/LSTM state-dict names and this engine's equation names.

Works on numpy arrays (the caller converts tensors), so torch is never imported here. Only one
layer, one direction: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 and a readout Linear.
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import InputError
from rnnlab.exact.bptt import Network
from rnnlab.exact.cells import Params, make_cell

TORCH_GATES = {"rnn": ("",), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}


def _names(kind: str, gate: str) -> tuple[str, str, str, str]:
    """Our names for the torch rows of `gate`: (W_x, W_h, input-side bias, hidden-side bias).

    torch adds two biases per gate; we keep their sum, except the GRU candidate, whose
    hidden-side bias b_hn sits inside the reset gate's product and stays separate.
    """
    if kind == "rnn":
        return "W_x", "W_h", "b_h", "b_h"
    if kind == "gru" and gate == "n":
        return "W_xn", "W_hn", "b_xn", "b_hn"
    return f"W_x{gate}", f"W_h{gate}", f"b_{gate}", f"b_{gate}"


def _read(kind: str, rnn: dict[str, np.ndarray], grads: bool) -> Params:
    """Our parameters (or, with grads=True, gradients) from torch's per-layer arrays."""
    if kind not in TORCH_GATES:
        raise InputError(f"unknown cell {kind!r}; choose one of {', '.join(TORCH_GATES)}")
    w_ih = np.asarray(rnn["weight_ih_l0"], dtype=np.float64)
    w_hh = np.asarray(rnn["weight_hh_l0"], dtype=np.float64)
    H = w_hh.shape[1]
    has_bias = "bias_ih_l0" in rnn
    out: Params = {}
    for j, gate in enumerate(TORCH_GATES[kind]):
        rows = slice(j * H, (j + 1) * H)
        wx, wh, bx, bh = _names(kind, gate)
        out[wx], out[wh] = w_ih[rows].copy(), w_hh[rows].copy()
        if has_bias:
            b_ih = np.asarray(rnn["bias_ih_l0"], dtype=np.float64)[rows]
            b_hh = np.asarray(rnn["bias_hh_l0"], dtype=np.float64)[rows]
            if bx == bh:  # one merged bias: values add, and either gradient is the merged one
                out[bx] = b_ih.copy() if grads else b_ih + b_hh
            else:
                out[bx], out[bh] = b_ih.copy(), b_hh.copy()
    return out


def from_torch(
    kind: str,
    rnn: dict[str, np.ndarray],
    readout: dict[str, np.ndarray],
    activation: str = "tanh",
) -> tuple[Network, Params]:
    """The Network and parameters equal to a torch cell (`rnn`: its state dict as numpy) and
    its readout Linear (`readout`: weight (O, H), optional bias (O,))."""
    params = _read(kind, rnn, grads=False)
    D = params["W_x" if kind == "rnn" else f"W_x{TORCH_GATES[kind][0]}"].shape[1]
    H = np.asarray(rnn["weight_hh_l0"]).shape[1]
    cell = make_cell(kind, D, H, bias="bias_ih_l0" in rnn, activation=activation)
    params["W_y"] = np.asarray(readout["weight"], dtype=np.float64).copy()
    if "bias" in readout:
        params["b_y"] = np.asarray(readout["bias"], dtype=np.float64).copy()
    net = Network(cell, params["W_y"].shape[0], "bias" in readout)
    return net, net.check_params(params)


def grads_from_torch(
    net: Network, rnn_grads: dict[str, np.ndarray], readout_grads: dict[str, np.ndarray]
) -> Params:
    """Our dL/dW from the .grad arrays of a torch cell and readout, under the same names."""
    grads = _read(net.cell.kind, rnn_grads, grads=True)
    grads["W_y"] = np.asarray(readout_grads["weight"], dtype=np.float64).copy()
    if net.output_bias:
        grads["b_y"] = np.asarray(readout_grads["bias"], dtype=np.float64).copy()
    return grads


def to_torch(net: Network, params: Params) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """torch state dicts (as numpy) for the cell and the readout; merged biases go to bias_ih."""
    kind, H = net.cell.kind, net.cell.hidden_size
    gates = TORCH_GATES[kind]
    rnn: dict[str, np.ndarray] = {
        "weight_ih_l0": np.concatenate([params[_names(kind, g)[0]] for g in gates]),
        "weight_hh_l0": np.concatenate([params[_names(kind, g)[1]] for g in gates]),
    }
    if net.cell.bias:
        b_ih, b_hh = [], []
        for g in gates:
            _, _, bx, bh = _names(kind, g)
            b_ih.append(params[bx])
            b_hh.append(np.zeros(H) if bx == bh else params[bh])
        rnn["bias_ih_l0"], rnn["bias_hh_l0"] = np.concatenate(b_ih), np.concatenate(b_hh)
    readout = {"weight": params["W_y"]}
    if net.output_bias:
        readout["bias"] = params["b_y"]
    return rnn, readout
