"""Command: `rnnlab bptt`, the worked-example solver (forward table, gradients as paths in time).

Parses numbers or a JSON spec, calls rnnlab.exact, prints. The maths lives in rnnlab.exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rnnlab.cli._app import app, echo
from rnnlab.errors import InputError

FORMATS = ("text", "markdown", "json")
_LISTS = ("--x", "--y")


@app.command(
    "bptt",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def bptt_command(
    ctx: typer.Context,
    wh: float | None = typer.Option(None, "--wh", help="W_h, the recurrent weight."),
    wx: float | None = typer.Option(None, "--wx", help="W_x, the input weight."),
    wy: float | None = typer.Option(None, "--wy", help="W_y, the output weight."),
    bh: float | None = typer.Option(None, "--bh", help="b_h, a hidden bias (default: none)."),
    by: float | None = typer.Option(None, "--by", help="b_y, an output bias (default: none)."),
    h0: float = typer.Option(0.0, "--h0", help="The initial state h_0."),
    activation: str = typer.Option("identity", help="identity | tanh | relu."),
    loss: str = typer.Option("sse", help="sse (sum of squared errors) | mse | cross_entropy."),
    spec: Path | None = typer.Option(
        None, "--spec", help="A JSON problem with vectors and matrices (docs/bptt-spec.md)."
    ),
    fmt: str = typer.Option("text", "--format", help="text | markdown | json."),
    symbolic: bool = typer.Option(
        False, "--symbolic", help="Also show each gradient as a sympy expression."
    ),
) -> None:
    """Solve a BPTT problem by hand: forward table, then dL/dh_k and dL/dW as sums of paths.

    \b
    The sequence and targets follow --x and --y, several numbers each:
      rnnlab bptt --wh 1 --wx 0.1 --wy 2 --h0 1 --x 10 10 --y 5 5
    Vectors, matrices, GRU and LSTM cells: --spec FILE.json (see docs/bptt-spec.md).
    """
    from rnnlab.exact import spec as spec_module
    from rnnlab.exact.trace import render, to_json, trace

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    lists = _parse_lists(ctx.args)
    if spec is not None:
        given = [name for name, v in (("--wh", wh), ("--wx", wx), ("--wy", wy)) if v is not None]
        given += [name for name in _LISTS if name in lists]
        if given:
            raise InputError(f"--spec describes the whole problem; drop {', '.join(given)}")
        problem = spec_module.load_spec(spec)
    else:
        missing = [n for n, v in (("--wh", wh), ("--wx", wx), ("--wy", wy)) if v is None]
        missing += [name for name in _LISTS if name not in lists]
        if missing:
            raise InputError(
                f"missing {', '.join(missing)}; e.g. rnnlab bptt --wh 1 --wx 0.1 --wy 2 "
                "--h0 1 --x 10 10 --y 5 5, or give --spec FILE.json"
            )
        problem = spec_module.scalar_problem(
            wh,
            wx,
            wy,
            lists["--x"],
            lists["--y"],
            h0,
            bh,
            by,
            activation,
            loss,  # type: ignore[arg-type]
        )
    tr = trace(problem)
    if fmt == "json":
        if symbolic:
            raise InputError("--symbolic shows expressions in text or markdown; drop --format json")
        echo(json.dumps(to_json(tr), indent=2))
        return
    echo(render(tr, fmt), nl=False)
    if symbolic:
        from rnnlab.exact.symbolic import render_symbolic, symbolic_gradients

        echo()
        echo(render_symbolic(symbolic_gradients(problem), fmt), nl=False)


def _parse_lists(args: list[str]) -> dict[str, list[float]]:
    """--x 10 10 --y 5 5 (as left over by the option parser) -> {"--x": [10, 10], ...}."""
    lists: dict[str, list[float]] = {}
    current: str | None = None
    for arg in args:
        name, _, inline = arg.partition("=")
        if name in _LISTS:
            if name in lists:
                raise InputError(f"{name} given twice; give all its numbers after one {name}")
            current = name
            lists[name] = []
            if inline:
                lists[name] += [_number(name, v) for v in inline.replace(",", " ").split()]
            continue
        if current is None:
            raise InputError(f"unexpected argument {arg!r}; see rnnlab bptt --help")
        lists[current].append(_number(current, arg))
    for name, values in lists.items():
        if not values:
            raise InputError(f"{name} needs at least one number")
    return lists


def _number(option: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a number") from None
