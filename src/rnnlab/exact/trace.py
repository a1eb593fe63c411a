"""The worked-example solver: a forward table, then dL/dh_k and dL/dW as sums of paths through time.

Each gradient is split into the assignment's equation (1) terms, one per (t, k):
dJ_t/dy_hat_t * dy_hat_t/dh_t * dh_t/dh_k * dh_k/dW, rendered as text, markdown or JSON-ready
values. It returns strings and dicts; printing is the command line's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnlab.exact.bptt import ForwardPass, Gradients, bptt, loss_terms
from rnnlab.exact.cells import activation_slope
from rnnlab.exact.spec import Problem

LOSS_FORMULAS = {
    "sse": "J_t = (y_hat_t - y_t)^2, summed over outputs",
    "mse": "J_t = (y_hat_t - y_t)^2 / (T O), summed over outputs",
    "cross_entropy": "J_t = -log softmax(y_hat_t)[y_t]",
}


@dataclass
class PathTerm:
    """One term of a gradient: the part of dJ_t/d(target) that flows through step k."""

    t: int  # the loss term J_t it comes from
    k: int  # the step it passes through: W's use at step k, or the state h_k itself
    value: np.ndarray  # its value, shaped like the gradient
    factors: tuple[float, ...] = ()  # scalar RNN only: the chain-rule factors, in order


@dataclass
class Trace:
    """A problem with its forward pass, its gradients and their terms."""

    problem: Problem
    fwd: ForwardPass
    grads: Gradients
    J: np.ndarray  # (T,) the loss terms J_t
    dy: np.ndarray  # (T, O) dJ_t/dy_hat_t
    param_terms: dict[str, list[PathTerm]] = field(default_factory=dict)  # by parameter
    state_terms: dict[int, list[PathTerm]] = field(default_factory=dict)  # dL/dh_k by k


def trace(problem: Problem) -> Trace:
    """Solve `problem` and split every gradient into its terms: O(T^2) cell backward steps.

    For each loss term J_t, backpropagate it alone from step t down to step 1; what step k's
    backward gives for W is the (t, k) term of dL/dW, and the gradient reaching h_k is the
    (t, k) term of dL/dh_k.
    """
    net, p = problem.net, problem.params
    fwd, grads = bptt(net, p, problem.xs, problem.ys, problem.state0, problem.loss)
    J, dy = loss_terms(problem.loss, fwd.y_hat, problem.ys)
    tr = Trace(problem, fwd, grads, J, dy)
    tr.param_terms = {name: [] for name in net.shapes()}
    tr.state_terms = {k: [] for k in range(problem.steps + 1)}
    for t in range(1, problem.steps + 1):
        dJ = dy[t - 1]  # dJ_t/dy_hat_t
        tr.param_terms["W_y"].append(PathTerm(t, t, np.outer(dJ, fwd.states[t][0])))
        if net.output_bias:
            tr.param_terms["b_y"].append(PathTerm(t, t, dJ.copy()))
        d_state = (p["W_y"].T @ dJ, *(np.zeros_like(s) for s in fwd.states[t][1:]))  # dJ_t/ds_t
        tr.state_terms[t].append(PathTerm(t, t, d_state[0]))
        for k in range(t, 0, -1):
            d_state, _, step = net.cell.backward(p, fwd.caches[k - 1], d_state)  # now dJ_t/ds_{k-1}
            for name, g in step.items():
                tr.param_terms[name].append(PathTerm(t, k, g))
            tr.state_terms[k - 1].append(PathTerm(t, k - 1, d_state[0]))
    if problem.scalar and net.cell.kind == "rnn":
        _add_factors(tr)
    return tr


def _add_factors(tr: Trace) -> None:
    """Fill in each term's chain-rule factors for the scalar RNN, as the assignment writes them:
    dJ_t/dy_hat_t, dy_hat_t/dh_t = W_y, dh_t/dh_k = prod_{j=k+1..t} W_h f'(a_j), and dh_k/dW."""
    p, fwd = tr.problem.params, tr.fwd
    w_h, w_y = float(p["W_h"][0, 0]), float(p["W_y"][0, 0])
    act = tr.problem.net.cell.activation  # type: ignore[union-attr]
    slope = {
        k: float(activation_slope(act, c["a"], c["h"])[0]) for k, c in enumerate(fwd.caches, 1)
    }

    def through(t: int, k: int) -> float:
        return float(np.prod([w_h * slope[j] for j in range(k + 1, t + 1)]))

    def own(name: str, k: int) -> float:  # dh_k/dW with h_{k-1} held fixed
        base = {"W_h": fwd.states[k - 1][0][0], "W_x": tr.problem.xs[k - 1][0], "b_h": 1.0}
        return slope[k] * float(base[name])

    dJ = {t: float(tr.dy[t - 1][0]) for t in range(1, tr.problem.steps + 1)}
    for name, terms in tr.param_terms.items():
        for term in terms:
            if name == "W_y":
                term.factors = (dJ[term.t], float(fwd.states[term.t][0][0]))
            elif name == "b_y":
                term.factors = (dJ[term.t], 1.0)
            else:
                term.factors = (dJ[term.t], w_y, through(term.t, term.k), own(name, term.k))
    for terms in tr.state_terms.values():
        for term in terms:
            term.factors = (dJ[term.t], w_y, through(term.t, term.k))


# ---- numbers -------------------------------------------------------------------------------


def num(v: float, scale: float = 0.0) -> str:
    """A number to about 12 significant digits: 8, not 8.000000000000002; 0 for round-off
    smaller than 1e-12 of `scale` (the largest term it was summed from)."""
    v = float(v)
    if v == 0.0 or abs(v) <= 1e-12 * scale:
        return "0"
    return format(v, ".12g")


def clean(a: np.ndarray, scale: float = 0.0) -> float | list:
    """A number or nested list, rounded as `num` shows it, for JSON."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return float(num(float(a), scale))
    return [clean(v, scale) for v in a]


def show(a: np.ndarray, scale: float = 0.0) -> str:
    """A number if `a` holds one value, else a bracketed list in `a`'s own shape."""
    a = np.asarray(a, dtype=np.float64)
    if a.size == 1:
        return num(float(a.reshape(-1)[0]), scale)
    return _brackets(a, scale)


def _brackets(a: np.ndarray, scale: float) -> str:
    if a.ndim == 0:
        return num(float(a), scale)
    return "[" + ", ".join(_brackets(v, scale) for v in a) + "]"


def _scale(terms: list[PathTerm]) -> float:
    return max((float(np.abs(term.value).max()) for term in terms), default=0.0)


# ---- rendering -----------------------------------------------------------------------------


def network_summary(problem: Problem) -> list[str]:
    """One line per equation of the network and loss."""
    net, cell = problem.net, problem.net.cell
    sizes = f"D={cell.input_size}, H={cell.hidden_size}, O={net.output_size}, T={problem.steps}"
    b_y = " + b_y" if net.output_bias else ""
    if cell.kind == "rnn":
        inner = "W_h h_{t-1} + W_x x_t" + (" + b_h" if cell.bias else "")
        act = cell.activation  # type: ignore[union-attr]
        first = f"h_t = {inner}" if act == "identity" else f"h_t = {act}({inner})"
        lines = [f"vanilla RNN ({act}; {sizes})", first]
    else:
        b = {g: f" + b_{g}" if cell.bias else "" for g in ("r", "z", "i", "f", "g", "o")}
        lines = [f"{cell.kind.upper()} (torch.nn.{cell.kind.upper()} equations; {sizes})"]
        if cell.kind == "gru":
            b_xn, b_hn = (" + b_xn", " + b_hn") if cell.bias else ("", "")
            lines += [
                f"r_t = sigmoid(W_xr x_t + W_hr h_{{t-1}}{b['r']})",
                f"z_t = sigmoid(W_xz x_t + W_hz h_{{t-1}}{b['z']})",
                f"n_t = tanh(W_xn x_t{b_xn} + r_t * (W_hn h_{{t-1}}{b_hn}))",
                "h_t = (1 - z_t) * n_t + z_t * h_{t-1}",
            ]
        else:
            lines += [
                f"{g}_t = {fn}(W_x{g} x_t + W_h{g} h_{{t-1}}{b[g]})"
                for g, fn in (("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid"))
            ]
            lines += ["c_t = f_t * c_{t-1} + i_t * g_t", "h_t = o_t * tanh(c_t)"]
    return [*lines, f"y_hat_t = W_y h_t{b_y}", f"L = sum_t J_t, {LOSS_FORMULAS[problem.loss]}"]


def forward_rows(tr: Trace) -> tuple[list[str], list[list[str]]]:
    """The forward table: header and rows (t, x_t, h_t, [c_t,] y_hat_t, y_t, J_t), t = 0..T."""
    lstm = tr.problem.net.cell.kind == "lstm"
    header = ["t", "x_t", "h_t", *(["c_t"] if lstm else []), "y_hat_t", "y_t", "J_t"]
    rows = [["0", "", show(tr.fwd.states[0][0]), *([show(tr.fwd.states[0][1])] if lstm else [])]]
    rows[0] += ["", "", ""]
    for t in range(1, tr.problem.steps + 1):
        state = tr.fwd.states[t]
        rows.append(
            [
                str(t),
                show(tr.problem.xs[t - 1]),
                show(state[0]),
                *([show(state[1])] if lstm else []),
                show(tr.fwd.y_hat[t - 1]),
                show(tr.problem.ys[t - 1]),
                num(tr.J[t - 1]),
            ]
        )
    return header, rows


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]


def _term_lines(terms: list[PathTerm], scale: float) -> list[str]:
    lines = []
    for term in terms:
        where = f"t={term.t} k={term.k}:"
        if term.factors:
            product = " * ".join(f"({num(f)})" for f in term.factors)
            lines.append(f"  {where} {product} = {num(float(term.value.sum()), scale)}")
        else:
            lines.append(f"  {where} {show(term.value, scale)}")
    return lines


def render(tr: Trace, fmt: str = "text") -> str:
    """The whole solution as plain text (fmt="text") or markdown (fmt="markdown")."""
    md = fmt == "markdown"
    p, T = tr.problem, tr.problem.steps
    out = [*(f"    {line}" if md else line for line in network_summary(p)), ""]
    out += ["### Forward pass", ""] if md else ["Forward pass"]
    out += _table(*forward_rows(tr), markdown=md)
    out += ["", f"L = {num(tr.grads.loss)}", ""]
    sums = [f"h_{t} = {show(tr.fwd.states[t][0])}" for t in range(1, T + 1)]
    sums += [f"y_hat_{t} = {show(tr.fwd.y_hat[t - 1])}" for t in range(1, T + 1)]
    if p.scalar:
        out += [("    " if md else "") + ", ".join(sums), ""]

    scalar_rnn = p.scalar and p.net.cell.kind == "rnn"
    rule = "dJ_t/dy_hat_t * dy_hat_t/dh_t * dh_t/dh_k" if scalar_rnn else "dJ_t/dh_k"
    out += ["### dL/dh_k", ""] if md else []
    out += [f"dL/dh_k = sum over t >= k of {rule}:", ""]
    block = []
    for k in range(T + 1):
        block += _gradient_lines(f"h_{k}", tr.state_terms[k], tr.grads.states[k][0], scalar_rnn)
    out += _code(block, md) + [""]

    rule = "dJ_t/dy_hat_t * dy_hat_t/dh_t * dh_t/dh_k * dh_k/dW" if scalar_rnn else "dJ_t/dW"
    out += ["### dL/dW", ""] if md else []
    out += [
        f"dL/dW = sum over t and k <= t of {rule},",
        "where dh_k/dW is step k's own part (h_{k-1} held fixed); W_y and b_y have only k = t:",
        "",
    ]
    block = []
    for name, terms in tr.param_terms.items():
        block += _gradient_lines(name, terms, tr.grads.params[name], scalar_rnn)
    out += _code(block, md)
    return "\n".join(out).rstrip() + "\n"


def _gradient_lines(name: str, terms: list[PathTerm], total: np.ndarray, scalar: bool) -> list[str]:
    """dL/d<name>: one line per term, then the total (as a sum of the terms when scalar)."""
    scale = _scale(terms)
    lines = [f"dL/d{name}:", *_term_lines(terms, scale)]
    if scalar and len(terms) > 1:
        values = [num(float(term.value.sum()), scale) for term in terms]
        summed = values[0] + "".join(
            f" - {v[1:]}" if v.startswith("-") else f" + {v}" for v in values[1:]
        )
        lines.append(f"  dL/d{name} = {summed} = {show(total, scale)}")
    else:
        lines.append(f"  dL/d{name} = {show(total, scale)}")
    return lines


def _code(lines: list[str], md: bool) -> list[str]:
    return ["```", *lines, "```"] if md else lines


def to_json(tr: Trace) -> dict:
    """{"h": [h_1..h_T], "y_hat": [y_hat_1..], "loss": L, "grad": {W_h: .., .., h_0: .., ..}}.

    Plain numbers when every size is 1 (the scalar RNN), nested lists otherwise. grad holds
    every parameter, then h_0..h_T (and c_0..c_T for the LSTM): total derivatives of L.
    """
    p = tr.problem

    def value(a: np.ndarray, scale: float = 0.0) -> float | list:
        a = np.asarray(a)
        return clean(a.reshape(-1)[0] if p.scalar else a, scale)

    grad: dict[str, float | list] = {}
    for name, g in tr.grads.params.items():
        grad[name] = value(g, _scale(tr.param_terms[name]))
    for i, state_name in enumerate(p.net.cell.state_names):
        for k, d in enumerate(tr.grads.states):
            scale = _scale(tr.state_terms[k]) if i == 0 else 0.0
            grad[f"{state_name}_{k}"] = value(d[i], scale)
    return {
        "h": [value(s[0]) for s in tr.fwd.states[1:]],
        "y_hat": [value(y) for y in tr.fwd.y_hat],
        "loss": float(num(tr.grads.loss)),
        "grad": grad,
    }


def paths_json(tr: Trace) -> dict:
    """Every gradient as its terms, for a page that draws each term's path through time:
    {"params": {W_h: {"total": "8", "terms": [{"t", "k", "value", "factors"}, ..]}, ..},
    "states": {"h_0": {..}, ..}}. Values are shown as `show` writes them; factors (the scalar
    RNN's chain-rule factors, in order) as numbers."""

    def entry(terms: list[PathTerm], total: np.ndarray) -> dict:
        scale = _scale(terms)
        rows = [{"t": term.t, "k": term.k, "value": show(term.value, scale),
                 "factors": [float(num(f)) for f in term.factors]} for term in terms]  # fmt: skip
        return {"total": show(total, scale), "terms": rows}

    params = {name: entry(terms, tr.grads.params[name]) for name, terms in tr.param_terms.items()}
    state_name = tr.problem.net.cell.state_names[0]
    states = {f"{state_name}_{k}": entry(tr.state_terms[k], tr.grads.states[k][0])
              for k in range(tr.problem.steps + 1)}  # fmt: skip
    return {"params": params, "states": states}
