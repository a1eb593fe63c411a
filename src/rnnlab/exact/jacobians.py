"""The Jacobians dh_t/dh_k of a recurrent cell over a sequence, their norms, and the spectral
radius and largest singular value of a weight matrix.

The vanishing and exploding gradient experiments read these numbers. numpy only; no training.
For the LSTM the state is s_t = (h_t, c_t): products run over the full state, and dh_t/dh_k is
the h-rows, h-columns block of ds_t/ds_k (the derivative of h_t with h_k moved and c_k held).
"""

from __future__ import annotations

import numpy as np

from rnnlab.exact.cells import Cache, Cell, Params, State, activation_slope


def step_jacobian(cell: Cell, params: Params, cache: Cache) -> np.ndarray:
    """ds_t/ds_{t-1} for the step whose forward cache is `cache`: (H, H), or (2H, 2H) for LSTM.

    RNN:  dh_t/dh_{t-1} = diag(f'(a_t)) W_h   (the transpose of the assignment's W_hh^T diag(f'))
    GRU:  diag(z) + diag(1 - z) dn/dh + diag(h_{t-1} - n) dz/dh
    LSTM: [[dh/dh, dh/dc], [dc/dh, dc/dc]] with dc/dc = diag(f), dh/dc = diag(o (1 - tanh^2 c) f)
    """
    if cell.kind == "rnn":
        slope = activation_slope(cell.activation, cache["a"], cache["h"])  # type: ignore[union-attr]
        return slope[:, None] * params["W_h"]
    if cell.kind == "gru":
        r, z, n, hn, h_prev = (cache[k] for k in ("r", "z", "n", "hn", "h_prev"))
        dz = (z * (1 - z))[:, None] * params["W_hz"]
        dr = (r * (1 - r))[:, None] * params["W_hr"]
        dn = (1 - n * n)[:, None] * (hn[:, None] * dr + r[:, None] * params["W_hn"])
        return np.diag(z) + (1 - z)[:, None] * dn + (h_prev - n)[:, None] * dz
    i, f, g, o, tc, c_prev = (cache[k] for k in ("i", "f", "g", "o", "tc", "c_prev"))
    di = (i * (1 - i))[:, None] * params["W_hi"]
    df = (f * (1 - f))[:, None] * params["W_hf"]
    dg = (1 - g * g)[:, None] * params["W_hg"]
    do = (o * (1 - o))[:, None] * params["W_ho"]
    dc_dh = c_prev[:, None] * df + g[:, None] * di + i[:, None] * dg
    k = o * (1 - tc * tc)  # dh_t/dc_t, elementwise
    dh_dh = tc[:, None] * do + k[:, None] * dc_dh
    return np.block([[dh_dh, np.diag(k * f)], [dc_dh, np.diag(f)]])


def _caches(cell: Cell, params: Params, xs: np.ndarray, state0: State | None) -> list[Cache]:
    state = cell.zero_state() if state0 is None else tuple(np.asarray(s, float) for s in state0)
    caches = []
    for x in np.asarray(xs, dtype=np.float64):
        state, cache = cell.forward(params, x, state)
        caches.append(cache)
    return caches


def step_jacobians(
    cell: Cell, params: Params, xs: np.ndarray, state0: State | None = None
) -> np.ndarray:
    """(T, S, S): entry t - 1 is ds_t/ds_{t-1}, over xs (T, D) from state0 (default zeros)."""
    caches = _caches(cell, params, xs, state0)
    S = cell.hidden_size * len(cell.state_names)
    return np.array([step_jacobian(cell, params, c) for c in caches]).reshape(len(caches), S, S)


def jacobian_table(
    cell: Cell, params: Params, xs: np.ndarray, state0: State | None = None
) -> np.ndarray:
    """(T + 1, T + 1, H, H): entry [t, k] is dh_t/dh_k for k <= t (the identity at k = t), zero
    above the diagonal. O(T^2) products: for small problems; see norms_from_start for long ones.
    """
    J = step_jacobians(cell, params, xs, state0)
    T, H = len(J), cell.hidden_size
    S = H * len(cell.state_names)
    table = np.zeros((T + 1, T + 1, H, H))
    for k in range(T + 1):
        P = np.eye(S)  # ds_t/ds_k, starting at t = k
        table[k, k] = np.eye(H)
        for t in range(k + 1, T + 1):
            P = J[t - 1] @ P
            table[t, k] = P[:H, :H]
    return table


def jacobian_norms(
    cell: Cell, params: Params, xs: np.ndarray, state0: State | None = None
) -> np.ndarray:
    """(T + 1, T + 1): the spectral norm ||dh_t/dh_k||_2 at [t, k] for k <= t, NaN above."""
    table = jacobian_table(cell, params, xs, state0)
    n = len(table)
    norms = np.full((n, n), np.nan)
    for t in range(n):
        for k in range(t + 1):
            norms[t, k] = np.linalg.norm(table[t, k], 2)
    return norms


def norms_from_start(
    cell: Cell,
    params: Params,
    xs: np.ndarray,
    state0: State | None = None,
    *,
    full_state: bool = False,
    log10: bool = False,
) -> np.ndarray:
    """(T,): ||dh_t/dh_0||_2 for t = 1..T, the product accumulated one step at a time.

    For the LSTM, dh_t/dh_0 holds c_0 fixed; full_state=True gives ||ds_t/ds_0||_2 instead.
    The product is kept rescaled with its logarithm aside, so log10=True stays finite for
    norms of 1e-400 or 1e400; plain norms beyond float64's range come out 0 or inf.
    Cost: T products of (S, S) by (S, H) and T small SVDs; H = 64, T = 100 takes milliseconds.
    """
    caches = _caches(cell, params, xs, state0)
    H = cell.hidden_size
    S = H * len(cell.state_names)
    P = np.eye(S) if full_state else np.eye(S, H)  # ds_t/ds_0, or ds_t/dh_0: (S, S) or (S, H)
    log_scale = 0.0  # the true product is P * 10**log_scale
    out = np.empty(len(caches))
    for t, cache in enumerate(caches):
        P = step_jacobian(cell, params, cache) @ P
        size = np.abs(P).max()
        if size == 0.0 or not np.isfinite(size):
            out[t:] = -np.inf if size == 0.0 else np.inf
            break
        P /= size
        log_scale += np.log10(size)
        block = P if full_state else P[:H]
        with np.errstate(divide="ignore"):
            out[t] = log_scale + np.log10(np.linalg.norm(block, 2))
    if log10:
        return out
    with np.errstate(over="ignore"):
        return 10.0**out


def spectral_radius(W: np.ndarray) -> float:
    """max |eigenvalue| of the square matrix W (H, H)."""
    return float(np.abs(np.linalg.eigvals(np.asarray(W, dtype=np.float64))).max())


def largest_singular_value(W: np.ndarray) -> float:
    """The spectral norm ||W||_2 = the largest singular value of W (M, N)."""
    return float(np.linalg.norm(np.asarray(W, dtype=np.float64), 2))
