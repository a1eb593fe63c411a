"""The scalar RNN's gradients as sympy expressions, written as the assignment writes them.

Each gradient is built from equation (1) in the intermediate symbols h_t and y_hat_t, then
evaluated at the problem's numbers. Small problems only (a scalar vanilla RNN, up to 8 steps);
the numeric engine in rnnlab.exact.bptt is the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from rnnlab.errors import InputError
from rnnlab.exact.bptt import Network, forward
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
    _check_supported(problem)
    net, T = problem.net, problem.steps
    s = _Symbols.of(T)
    y, y_hat = s.y, s.y_hat
    scale = 1 if problem.loss == "sse" else sp.Rational(1, T)
    loss = scale * sum((y_hat[t] - y[t]) ** 2 for t in range(1, T + 1))
    dJ = {t: 2 * scale * (y_hat[t] - y[t]) for t in range(1, T + 1)}  # dJ_t/dy_hat_t
    parts = _parts(s, net, T)
    grads = {name: sp.Add(*(dJ[t] * rest for t, rest in ps)) for name, ps in parts.items()}
    texts, loss_text = _texts(parts, problem.loss, T)
    equations = _equations(s, net, T)
    return SymbolicGradients(equations, loss, grads, _values(s, problem), loss_text, texts)


def _check_supported(problem: Problem) -> None:
    """An InputError unless `problem` is the scalar vanilla RNN, at most MAX_STEPS steps, with the
    sse or mse loss."""
    if not (problem.scalar and problem.net.cell.kind == "rnn"):
        raise InputError("--symbolic works for the scalar vanilla RNN only; drop --symbolic")
    if problem.steps > MAX_STEPS:
        raise InputError(
            f"--symbolic handles at most {MAX_STEPS} steps, got {problem.steps}; drop --symbolic"
        )
    if problem.loss not in ("sse", "mse"):
        raise InputError("--symbolic supports the sse and mse losses; drop --symbolic")


@dataclass(frozen=True)
class _Symbols:
    """The symbols of a scalar RNN over T steps: h is (h_0, ..., h_T); x, y and y_hat are
    indexed from 1 (x[t] is x_t), index 0 being None."""

    W_h: sp.Symbol
    W_x: sp.Symbol
    W_y: sp.Symbol
    b_h: sp.Symbol
    b_y: sp.Symbol
    h: tuple[sp.Symbol, ...]
    x: tuple[sp.Symbol | None, ...]
    y: tuple[sp.Symbol | None, ...]
    y_hat: tuple[sp.Symbol | None, ...]

    @classmethod
    def of(cls, T: int) -> _Symbols:
        """W_h, W_x, W_y, b_h, b_y, then h_0..h_T and x_t, y_t, y_hat_t for t = 1..T."""
        return cls(
            *sp.symbols("W_h W_x W_y b_h b_y"),
            h=sp.symbols(f"h_0:{T + 1}"),
            x=(None, *sp.symbols(f"x_1:{T + 1}")),
            y=(None, *sp.symbols(f"y_1:{T + 1}")),
            y_hat=(None, *sp.symbols(f"y_hat_1:{T + 1}")),
        )


def _equations(s: _Symbols, net: Network, T: int) -> dict[str, sp.Expr]:
    """Equation (1): h_t = f(W_h*h_{t-1} + W_x*x_t [+ b_h]) for t = 1..T, then
    y_hat_t = W_y*h_t [+ b_y]."""
    act = net.cell.activation  # type: ignore[union-attr]
    f = {"identity": lambda a: a, "tanh": sp.tanh, "relu": lambda a: sp.Max(a, 0)}[act]
    bias_h = s.b_h if net.cell.bias else 0
    bias_y = s.b_y if net.output_bias else 0
    equations: dict[str, sp.Expr] = {}
    for t in range(1, T + 1):
        equations[f"h_{t}"] = f(s.W_h * s.h[t - 1] + s.W_x * s.x[t] + bias_h)
    for t in range(1, T + 1):
        equations[f"y_hat_{t}"] = s.W_y * s.h[t] + bias_y
    return equations


def _slope(act: str, h_k: sp.Symbol) -> sp.Expr:
    """f'(a_k) of the activation `act`, written in h_k = f(a_k)."""
    return {"identity": 1, "tanh": 1 - h_k**2, "relu": sp.Heaviside(h_k, 0)}[act]


def _through(s: _Symbols, act: str, t: int, k: int) -> sp.Expr:
    """dh_t/dh_k = prod_{j=k+1..t} W_h f'(a_j) (1 when k = t)."""
    return sp.Mul(*(s.W_h * _slope(act, s.h[j]) for j in range(k + 1, t + 1)))


def _parts(s: _Symbols, net: Network, T: int) -> dict[str, list[tuple[int, sp.Expr]]]:
    """name -> [(t, dL_t/d(name) / dJ_t), ...] for each parameter of `net`, then h_0..h_T: what
    multiplies dJ_t/dy_hat_t in step t's share of the gradient."""
    act = net.cell.activation  # type: ignore[union-attr]
    W_y, h = s.W_y, s.h
    # da_k/d(name) for the parameters inside f: h_{k-1}, x_k, 1
    immediate = {"W_h": lambda k: h[k - 1], "W_x": lambda k: s.x[k], "b_h": lambda k: 1}
    parts: dict[str, list[tuple[int, sp.Expr]]] = {}
    for name in net.shapes():
        if name in immediate:  # W_y * sum over k <= t of dh_t/dh_k * dh_k/dW
            parts[name] = [(t, W_y * _paths(s, act, t, immediate[name])) for t in range(1, T + 1)]
        else:  # W_y, b_y: only k = t
            parts[name] = [(t, h[t] if name == "W_y" else sp.Integer(1)) for t in range(1, T + 1)]
    for k in range(T + 1):
        parts[f"h_{k}"] = [(t, W_y * _through(s, act, t, k)) for t in range(max(k, 1), T + 1)]
    return parts


def _paths(s: _Symbols, act: str, t: int, da: Callable[[int], sp.Expr]) -> sp.Expr:
    """dh_t/dW = sum over k = t..1 of dh_t/dh_k * f'(a_k) * da_k/dW, with `da`(k) = da_k/dW."""
    return sp.Add(*(_through(s, act, t, k) * _slope(act, s.h[k]) * da(k) for k in range(t, 0, -1)))


def _texts(
    parts: dict[str, list[tuple[int, sp.Expr]]], loss: str, T: int
) -> tuple[dict[str, str], str]:
    """Each gradient as text grouped by t, as the assignment writes it, and L as text."""
    factor = "2" if loss == "sse" else f"2/{T}"
    texts = {
        name: " + ".join(f"{factor}*(y_hat_{t} - y_{t})" + _times(rest) for t, rest in ps)
        for name, ps in parts.items()
    }
    loss_text = " + ".join(f"(y_hat_{t} - y_{t})**2" for t in range(1, T + 1))
    return texts, (loss_text if loss == "sse" else f"({loss_text})/{T}")


def _values(s: _Symbols, problem: Problem) -> dict[sp.Symbol, float]:
    """Every symbol's value in `problem`: the parameters, h_0..h_T and y_hat_t from a forward
    pass, x_t and y_t from the problem."""
    net, T = problem.net, problem.steps
    fwd = forward(net, problem.params, problem.xs, problem.state0)
    values: dict[sp.Symbol, float] = {s.W_h: _v(problem, "W_h"), s.W_x: _v(problem, "W_x")}
    values[s.W_y] = _v(problem, "W_y")
    if net.cell.bias:
        values[s.b_h] = _v(problem, "b_h")
    if net.output_bias:
        values[s.b_y] = _v(problem, "b_y")
    for t in range(T + 1):
        values[s.h[t]] = float(fwd.states[t][0][0])
    for t in range(1, T + 1):
        values[s.x[t]] = float(problem.xs[t - 1][0])
        values[s.y[t]] = float(problem.ys[t - 1][0])
        values[s.y_hat[t]] = float(fwd.y_hat[t - 1][0])
    return values


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
