"""The draws of experiment `vanishing` and what is measured on them: W_hh under each
initialisation, each curve's cell and inputs, ||dh_t/dh_0|| and tanh' over seeds, and the spectral
radius table. Exact numpy engine only; no training, no torch, no files written.
"""

from __future__ import annotations

import numpy as np

from rnnlab.exact.cells import Cell, Params, make_cell
from rnnlab.exact.jacobians import largest_singular_value, norms_from_start, spectral_radius
from rnnlab.experiments.common import CELLS, quartiles

GATE_BIAS = 3.0  # the "open" variants: sigmoid(3) = 0.95 of the state kept per step at rest
# curve -> (cell kind, the gate bias set to GATE_BIAS or None); labelled by vanishing.CELL_LABELS
CURVES = {
    "rnn": ("rnn", None),
    "gru": ("gru", None),
    "lstm": ("lstm", None),
    "gru_open": ("gru", "b_z"),
    "lstm_open": ("lstm", "b_f"),
}
INITS = ("normal", "scaled", "orthogonal")
INPUT_SCALE = 0.1  # x_t ~ N(0, INPUT_SCALE^2), one input unit
MAIN_MATRIX = {"rnn": "W_h", "gru": "W_hn", "lstm": "W_hg"}  # the cell's W_hh


def recurrent_matrix(init: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """An (n, n) matrix: iid N(0, 1) ("normal"), iid N(0, 1/n) ("scaled"), or a Haar-random
    orthogonal matrix ("orthogonal": Q of a Gaussian's QR, column signs fixed by R's diagonal)."""
    G = rng.standard_normal((n, n))
    if init == "normal":
        return G
    if init == "scaled":
        return G / np.sqrt(n)
    if init == "orthogonal":
        Q, R = np.linalg.qr(G)
        return Q * np.sign(np.diag(R))
    raise ValueError(f"unknown initialisation {init!r}; choose one of {', '.join(INITS)}")


def draw(
    curve: str, n: int, init: str, key: list[int], T: int
) -> tuple[Cell, Params, np.ndarray, np.ndarray]:
    """The cell of `curve` (a key of CURVES) with n units, its parameters, its W_hh (n, n)
    and inputs xs (T, 1).

    W_hh, the input weights of the main path and xs come from `key` alone, so the tanh RNN's
    W_h, the GRU's W_hn and the LSTM's W_hg are the same matrix; the other gates' W_h* come
    from the same distribution, W_x* from N(0, 1); biases are zero (except the one gate bias
    of an "open" curve, GATE_BIAS) and h_0 = c_0 = 0.
    """
    kind, open_gate = CURVES[curve]
    shared = np.random.default_rng(key)
    W_hh = recurrent_matrix(init, n, shared)
    w_x = shared.standard_normal((n, 1))
    xs = INPUT_SCALE * shared.standard_normal((T, 1))
    other = np.random.default_rng([*key, CELLS.index(kind)])
    cell = make_cell(kind, 1, n)
    params: Params = {}
    for name, shape in cell.shapes().items():
        if name == MAIN_MATRIX[kind]:
            params[name] = W_hh
        elif name == MAIN_MATRIX[kind].replace("_h", "_x"):
            params[name] = w_x
        elif name.startswith("W_h"):
            params[name] = recurrent_matrix(init, n, other)
        elif name.startswith("W_x"):
            params[name] = other.standard_normal(shape)
        else:
            params[name] = np.full(shape, GATE_BIAS if name == open_gate else 0.0)
    return cell, params, W_hh, xs


def mean_tanh_slope(cell: Cell, params: Params, xs: np.ndarray) -> float:
    """The mean of f'(a_t) = 1 - h_t^2 over steps and units of a tanh RNN: 1 is linear, near 0
    saturated."""
    state, total = cell.zero_state(), 0.0
    for x in xs:
        state, cache = cell.forward(params, x, state)
        total += float(np.mean(1.0 - cache["h"] ** 2))
    return total / len(xs)


def measure(
    n: int, init: str, seeds: int, T: int, seed: int
) -> tuple[dict[str, np.ndarray], list[float], list[list]]:
    """||dh_t/dh_0|| of every curve over `seeds` draws of (W_hh, x_1..x_T) with n units, W_hh
    drawn by `init`.

    Returns logs (curve -> (seeds, T) log10 norms, clipped to [-300, 300]), the tanh RNN's mean
    tanh' per draw (seeds,), and per draw one row of vanishing_matrices.csv: init, n, seed,
    spectral radius, largest singular value and mean tanh' of the RNN, then ||dh_T/dh_0|| of each
    curve.
    """
    logs = {kind: np.empty((seeds, T)) for kind in CURVES}
    slopes, rows = [], []
    for s in range(seeds):
        key = [seed, n, INITS.index(init), s]
        row: list = [init, n, s]
        for kind in CURVES:
            cell, params, W_hh, xs = draw(kind, n, init, key, T)
            logs[kind][s] = np.clip(norms_from_start(cell, params, xs, log10=True), -300, 300)
            if kind == "rnn":
                slopes.append(mean_tanh_slope(cell, params, xs))
                row += [spectral_radius(W_hh), largest_singular_value(W_hh), slopes[-1]]
            row.append(10.0 ** logs[kind][s, -1])
        rows.append(row)
    return logs, slopes, rows


def radius_table(sizes: tuple[int, ...], samples: int, seed: int) -> list[dict]:
    """Spectral radius and largest singular value of `samples` matrices per (init, n), for the
    two random laws (every eigenvalue and singular value of an orthogonal matrix is 1)."""
    rows = []
    for i, init in enumerate(INITS[:2]):
        for n in sizes:
            rng = np.random.default_rng([seed, 7, i, n])
            mats = [recurrent_matrix(init, n, rng) for _ in range(samples)]
            radius = np.array([spectral_radius(W) for W in mats])
            sigma = np.array([largest_singular_value(W) for W in mats])
            q25, med, q75 = quartiles(radius)
            rows.append(
                {
                    "init": init,
                    "hidden": n,
                    "samples": samples,
                    "radius_median": float(med),
                    "radius_q25": float(q25),
                    "radius_q75": float(q75),
                    "radius_mean": float(radius.mean()),
                    "p_radius_below_1": float(np.mean(radius < 1.0)),
                    "sigma_median": float(np.median(sigma)),
                }
            )
    return rows
