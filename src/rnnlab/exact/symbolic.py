"""The scalar RNN's gradients as sympy expressions, written as the assignment writes them.

Each gradient is built from equation (1) in the intermediate symbols h_t and y_hat_t, then
evaluated at the problem's numbers. Small problems only (a scalar vanilla RNN, up to 8 steps);
the numeric engine in rnnlab.exact.bptt is the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from rnnlab.errors import InputError
from rnnlab.exact.bptt import forward
from rnnlab.exact.spec import Problem

MAX_STEPS = 8


@dataclass
class SymbolicGradients:
    """Forward equations, the loss and every gradient as expressions, and the numbers to use."""

    equations: dict[str, sp.Expr]  # "h_1" -> W_h*h_0 + W_x*x_1, "y_hat_1" -> W_y*h_1, ...
    loss: sp.Expr  # L in y_hat_t and y_t
    grads: dict[str, sp.Expr]  # "W_h", ..., "h_0", "h_1", ... -> dL/d(that), in h_t and y_hat_t
    values: dict[sp.Symbol, float]  # every symbol's value in the problem
    loss_text: str = ""  # L as the assignment writes it
    texts: dict[str, str] = field(default_factory=dict)  # each gradient grouped by t, as text


def symbolic_gradients(problem: Problem) -> SymbolicGradients:
    """The expressions of `problem` (a scalar vanilla RNN of at most MAX_STEPS steps)."""
    net, T = problem.net, problem.steps
    if not (problem.scalar and net.cell.kind == "rnn"):
        raise InputError("--symbolic works for the scalar vanilla RNN only; drop --symbolic")
    if T > MAX_STEPS:
        raise InputError(f"--symbolic handles at most {MAX_STEPS} steps, got {T}; drop --symbolic")
    if problem.loss not in ("sse", "mse"):
        raise InputError("--symbolic supports the sse and mse losses; drop --symbolic")
    act = net.cell.activation  # type: ignore[union-attr]
    W_h, W_x, W_y, b_h, b_y = sp.symbols("W_h W_x W_y b_h b_y")
    h = sp.symbols(f"h_0:{T + 1}")
    x = (None, *sp.symbols(f"x_1:{T + 1}"))
    y = (None, *sp.symbols(f"y_1:{T + 1}"))
    y_hat = (None, *sp.symbols(f"y_hat_1:{T + 1}"))
    bias_h = b_h if net.cell.bias else 0
    bias_y = b_y if net.output_bias else 0
    f = {"identity": lambda a: a, "tanh": sp.tanh, "relu": lambda a: sp.Max(a, 0)}[act]

    equations: dict[str, sp.Expr] = {}
    for t in range(1, T + 1):
        equations[f"h_{t}"] = f(W_h * h[t - 1] + W_x * x[t] + bias_h)
    for t in range(1, T + 1):
        equations[f"y_hat_{t}"] = W_y * h[t] + bias_y
    scale = 1 if problem.loss == "sse" else sp.Rational(1, T)
    loss = scale * sum((y_hat[t] - y[t]) ** 2 for t in range(1, T + 1))

    def slope(k: int) -> sp.Expr:  # f'(a_k), written in h_k
        return {"identity": 1, "tanh": 1 - h[k] ** 2, "relu": sp.Heaviside(h[k], 0)}[act]

    def through(t: int, k: int) -> sp.Expr:  # dh_t/dh_k = prod_{j=k+1..t} W_h f'(a_j)
        return sp.Mul(*(W_h * slope(j) for j in range(k + 1, t + 1)))

    dJ = {t: 2 * scale * (y_hat[t] - y[t]) for t in range(1, T + 1)}  # dJ_t/dy_hat_t
    immediate = {"W_h": lambda k: h[k - 1], "W_x": lambda k: x[k], "b_h": lambda k: 1}
    parts: dict[str, list[tuple[int, sp.Expr]]] = {}  # name -> [(t, dL_t/d(name) / dJ_t), ...]
    for name in net.shapes():
        if name in immediate:  # W_y * sum over k <= t of dh_t/dh_k * dh_k/dW
            parts[name] = [
                (
                    t,
                    W_y
                    * sp.Add(
                        *(through(t, k) * slope(k) * immediate[name](k) for k in range(t, 0, -1))
                    ),
                )
                for t in range(1, T + 1)
            ]
        else:  # W_y, b_y: only k = t
            parts[name] = [(t, h[t] if name == "W_y" else sp.Integer(1)) for t in range(1, T + 1)]
    for k in range(T + 1):
        parts[f"h_{k}"] = [(t, W_y * through(t, k)) for t in range(max(k, 1), T + 1)]
    grads = {name: sp.Add(*(dJ[t] * rest for t, rest in ps)) for name, ps in parts.items()}
    factor = "2" if problem.loss == "sse" else f"2/{T}"
    texts = {
        name: " + ".join(f"{factor}*(y_hat_{t} - y_{t})" + _times(rest) for t, rest in ps)
        for name, ps in parts.items()
    }
    loss_text = " + ".join(f"(y_hat_{t} - y_{t})**2" for t in range(1, T + 1))
    loss_text = loss_text if problem.loss == "sse" else f"({loss_text})/{T}"

    fwd = forward(net, problem.params, problem.xs, problem.state0)
    values: dict[sp.Symbol, float] = {W_h: _v(problem, "W_h"), W_x: _v(problem, "W_x")}
    values[W_y] = _v(problem, "W_y")
    if net.cell.bias:
        values[b_h] = _v(problem, "b_h")
    if net.output_bias:
        values[b_y] = _v(problem, "b_y")
    for t in range(T + 1):
        values[h[t]] = float(fwd.states[t][0][0])
    for t in range(1, T + 1):
        values[x[t]] = float(problem.xs[t - 1][0])
        values[y[t]] = float(problem.ys[t - 1][0])
        values[y_hat[t]] = float(fwd.y_hat[t - 1][0])
    return SymbolicGradients(equations, loss, grads, values, loss_text, texts)


def _times(rest: sp.Expr) -> str:
    if rest == 1:
        return ""
    text = sp.sstr(rest)
    return f"*({text})" if isinstance(rest, sp.Add) else f"*{text}"


def _v(problem: Problem, name: str) -> float:
    return float(problem.params[name].reshape(-1)[0])


def evaluate(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    """The number `expr` stands for at `values`."""
    return float(sp.sympify(expr).subs(values))


def in_inputs(sg: SymbolicGradients, expr: sp.Expr) -> sp.Expr:
    """`expr` with every h_t (t >= 1) and y_hat_t replaced by its forward equation, so it reads in
    the parameters, h_0, x_t and y_t alone."""
    subs = {sp.Symbol(name): e for name, e in sg.equations.items()}
    for _ in range(len(sg.equations)):  # each pass resolves one more level of h_{t-1}
        new = sp.sympify(expr).subs(subs)
        if new == expr:
            break
        expr = new
    return expr


def render_symbolic(sg: SymbolicGradients, fmt: str = "text") -> str:
    """The forward equations, L and each gradient as an expression, then its value."""
    from rnnlab.exact.trace import num  # the same number format as the numeric trace

    lines = [f"{name} = {sp.sstr(e)}" for name, e in sg.equations.items()]
    lines += [f"L = {sg.loss_text or sp.sstr(sg.loss)}", ""]
    for name, e in sg.grads.items():
        lines.append(f"dL/d{name} = {sg.texts.get(name) or sp.sstr(e)}")
        lines.append(f"    = {num(evaluate(e, sg.values))}")
    title = "Symbolic form (sympy), then the value at the numbers above"
    if fmt == "markdown":
        return "\n".join([f"### {title}", "", "```", *lines, "```"]) + "\n"
    return "\n".join([title, *lines]) + "\n"
