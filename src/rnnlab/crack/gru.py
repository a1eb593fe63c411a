"""A GRU layer in numpy float32, for evaluating trained weights without torch (the language model
and the key-agnostic decipherers). The equations are torch.nn.GRU's, so weights trained there
load here unchanged:

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))    h' = (1 - z) * n + z * h

Not a trainer; nothing here changes weights.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class GRULayer:
    """One direction of a GRU layer over embedded ids, the embedding folded into the input
    projection: a table (V, 3H) of every symbol's W_i x + b_i."""

    def __init__(self, w: dict[str, np.ndarray], name: str = "rnn", suffix: str = "l0") -> None:
        w = {k: np.asarray(v, dtype=np.float32) for k, v in w.items()}
        weight_ih, bias_ih = w[f"{name}.weight_ih_{suffix}"], w[f"{name}.bias_ih_{suffix}"]
        self.x_proj = w["embed.weight"] @ weight_ih.T + bias_ih  # (V, 3H)
        self.W_hh = np.ascontiguousarray(w[f"{name}.weight_hh_{suffix}"].T)  # (H, 3H)
        self.b_hh = w[f"{name}.bias_hh_{suffix}"]
        self.H = self.W_hh.shape[0]

    def step(self, gx: np.ndarray, h: np.ndarray) -> np.ndarray:
        """The next state from the input projections gx (B, 3H) and the state h (B, H)."""
        H = self.H
        gh = h @ self.W_hh + self.b_hh  # (B, 3H)
        r = sigmoid(gx[:, :H] + gh[:, :H])
        z = sigmoid(gx[:, H : 2 * H] + gh[:, H : 2 * H])
        n = np.tanh(gx[:, 2 * H :] + r * gh[:, 2 * H :])
        return (1.0 - z) * n + z * h

    def run(self, ids: np.ndarray, reverse: bool = False) -> np.ndarray:
        """The states after each of ids (T,) from a zero state, read backwards if `reverse`:
        (T, H), row t the state at position t."""
        out = np.zeros((len(ids), self.H), dtype=np.float32)
        h = np.zeros((1, self.H), dtype=np.float32)
        order = range(len(ids) - 1, -1, -1) if reverse else range(len(ids))
        for t in order:
            h = self.step(self.x_proj[ids[t : t + 1]], h)
            out[t] = h[0]
        return out


def log_softmax(logits: np.ndarray) -> np.ndarray:
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
