"""What the page asks of the library and gets back as JSON, for the quick requests: the runs
folder, deciphering, the BPTT explorer. Each function takes the decoded request body and returns
a dict; bad input raises InputError, which the server turns into a 400 with its message.
The long work (crack, train, gradients) is in work.py.
"""

from __future__ import annotations

import json
import math
import re
import threading
from pathlib import Path
from typing import Any

from rnnlab.errors import InputError, ModelFileError

MAX_TEXT = 1 << 20  # characters of a text field (a crack's ciphertext; the body is bounded too)
MAX_DECIPHER = 1 << 18  # characters deciphered on the request's thread (well under a second)
MAX_BPTT_STEPS = 12  # the explorer draws every step and every (t, k) term
MAX_BPTT_SIZE = 8  # units, inputs and outputs: every term of every matrix is sent and drawn
RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


REQUIRED = object()


def get(body: dict, name: str, kind: type, default: Any = REQUIRED, lo=None, hi=None):
    """body[name] checked to be of `kind` (and within [lo, hi]), else `default` when absent or
    null; without a default, its absence is an error."""
    value = body.get(name)
    if value is None:
        if default is REQUIRED:
            raise InputError(f"missing {name!r}")
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise InputError(f"{name!r} must be a {kind.__name__}, got {json.dumps(value)[:40]}")
    if kind is float and not math.isfinite(value):
        raise InputError(f"{name!r} must be a finite number, got {value}")
    if lo is not None and value < lo or hi is not None and value > hi:
        raise InputError(f"{name!r} must be between {lo:g} and {hi:g}, got {value:g}")
    if kind is str and len(value) > MAX_TEXT:
        raise InputError(f"{name!r} holds {len(value):,} characters; the page takes at most "
                         f"{MAX_TEXT:,} (use rnnlab decipher -i FILE for longer text)")  # fmt: skip
    return value


class Site:
    """What one server holds: its runs folder and the decipherers loaded from it."""

    def __init__(self, runs: Path) -> None:
        self.runs = Path(runs).resolve()
        self._loaded: dict[Path, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def run_path(self, name: Any, must_exist: bool = True) -> Path:
        """The folder of run `name` inside the runs folder; anything that would reach outside it
        (.., a slash, a link out) is refused."""
        if not isinstance(name, str) or not RUN_NAME.fullmatch(name):
            raise InputError(f"{json.dumps(name)[:60]} is not a run name: use letters, digits, "
                             "'.', '_' and '-' (no slashes), as in the runs folder")  # fmt: skip
        path = self.runs / name
        if path.is_symlink() or (path.exists() and path.resolve().parent != self.runs):
            raise InputError(f"run {name!r} is not inside the runs folder; it is refused")
        if must_exist and not (path / "model.safetensors").is_file():
            raise InputError(f"no run named {name!r} in the runs folder {self.runs}")
        return path

    def list_runs(self) -> list[dict]:
        """The runs folder's runs, newest first: name, kind, cipher, key, model, saved time."""
        found = []
        if not self.runs.is_dir():
            return found
        for d in self.runs.iterdir():
            config = d / "config.json"
            if d.is_symlink() or not RUN_NAME.fullmatch(d.name) or not config.is_file():
                continue
            try:
                c = json.loads(config.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(c, dict) or not (d / "model.safetensors").is_file():
                continue
            cipher = c.get("cipher") if isinstance(c.get("cipher"), dict) else {}
            found.append({"name": d.name, "kind": c.get("kind", "?"),
                          "cipher": cipher.get("name"), "key": cipher.get("key"),
                          "model": (c.get("model") if isinstance(c.get("model"), dict)
                                    else {}).get("kind"),
                          "saved": (d / "model.safetensors").stat().st_mtime})  # fmt: skip
        return sorted(found, key=lambda r: -r["saved"])

    def decipherer(self, name: Any):
        """The Decipherer of run `name`, loaded once and reloaded when its weights change."""
        path = self.run_path(name)
        stamp = (path / "model.safetensors").stat().st_mtime
        with self._lock:
            cached = self._loaded.get(path)
            if cached and cached[0] == stamp:
                return cached[1]
            from rnnlab.nn.decode import Decipherer
            from rnnlab.nn.runs import load_run

            run = load_run(path)
            if run.config.kind != "decipher":
                raise ModelFileError(f"run {name!r} is a {run.config.kind} run, not a decipherer")
            dec = Decipherer.from_run(run)
            self._loaded[path] = (stamp, dec)
            return dec


def decipher(site: Site, body: dict) -> dict:
    """{"run", "text", "threshold"} -> the plaintext, each character's confidence, the doubt."""
    text = get(body, "text", str)
    if len(text) > MAX_DECIPHER:
        raise InputError(f"the page deciphers up to {MAX_DECIPHER:,} characters at a time; "
                         f"this text has {len(text):,} (use rnnlab decipher -i FILE)")  # fmt: skip
    threshold = get(body, "threshold", float, 0.9, 0.01, 1.0)
    dec = site.decipherer(get(body, "run", str))
    if not any(c.isalpha() for c in text):
        raise InputError("the text has no letters; paste enciphered text to decipher")
    s = dec.stream(confidence=True, threshold=threshold)
    out, conf = [], []
    step = 1 << 16  # bounds the model's logits in memory
    for piece, c in [*(s.feed(text[i : i + step]) for i in range(0, len(text), step)), s.close()]:
        out.append(piece)
        conf.extend(c.tolist())
    doubt = s.doubt
    note = doubt.message() if doubt.unlike else None
    return {"plaintext": "".join(out), "confidence": [round(v, 4) for v in conf],
            **doubt.to_json(), "note": note}  # fmt: skip


def bptt(body: dict) -> dict:
    """{"spec": {...}} (docs/bptt-spec.md), or the scalar RNN's numbers {"wh", "wx", "wy",
    "h0", "x", "y", "activation", "loss"} -> the forward pass, the numbers of `rnnlab bptt
    --format json`, every gradient as its terms, and the symbolic form where it applies."""
    from rnnlab.exact import spec
    from rnnlab.exact.trace import forward_rows, network_summary, paths_json, to_json, trace

    if "spec" in body:
        problem = spec.parse_spec(body["spec"])
    else:
        nums = {k: get(body, k, float) for k in ("wh", "wx", "wy")}
        xs, ys = (_numbers(body, k) for k in ("x", "y"))
        problem = spec.scalar_problem(
            nums["wh"], nums["wx"], nums["wy"], xs, ys, get(body, "h0", float, 0.0),
            get(body, "bh", float, None), get(body, "by", float, None),
            get(body, "activation", str, "identity"), get(body, "loss", str, "sse"),
        )  # fmt: skip
    if problem.steps > MAX_BPTT_STEPS:
        raise InputError(f"the explorer draws at most {MAX_BPTT_STEPS} steps; got "
                         f"{problem.steps} (rnnlab bptt solves longer ones)")  # fmt: skip
    cell = problem.net.cell
    size = max(cell.input_size, cell.hidden_size, problem.net.output_size)
    if size > MAX_BPTT_SIZE:
        raise InputError(f"the explorer shows up to {MAX_BPTT_SIZE} units, inputs and outputs; "
                         f"this network has {size} (rnnlab bptt --spec solves it)")  # fmt: skip
    tr = trace(problem)
    header, rows = forward_rows(tr)
    if not math.isfinite(tr.grads.loss):
        raise InputError("the numbers overflow (the loss is not finite); give smaller weights")
    return {"numbers": to_json(tr), "paths": paths_json(tr), "forward": {"header": header,
            "rows": rows}, "network": network_summary(problem), "steps": problem.steps,
            "scalar": problem.scalar, "cell": cell.kind, "state": cell.state_names[0],
            "symbolic": _symbolic(problem)}  # fmt: skip


def _numbers(body: dict, name: str) -> list[float]:
    value = body.get(name)
    ok = isinstance(value, list) and value and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
    )
    if not ok:
        raise InputError(f"{name!r} must be a list of numbers, one per step, such as [10, 10]")
    return [float(v) for v in value]


def _symbolic(problem) -> dict:
    """Each gradient as the assignment writes it and in the inputs alone, or why not shown."""
    from rnnlab.exact.symbolic import evaluate, in_inputs, symbolic_gradients
    from rnnlab.exact.trace import num

    try:
        sg = symbolic_gradients(problem)
    except InputError as e:
        return {"reason": str(e).replace("--symbolic", "the symbolic form").split(";")[0]}
    import sympy as sp

    grads = {
        name: {"text": sg.texts.get(name) or sp.sstr(e),
               "inputs": sp.sstr(in_inputs(sg, e)), "value": num(evaluate(e, sg.values))}
        for name, e in sg.grads.items()
    }  # fmt: skip
    equations = {name: sp.sstr(e) for name, e in sg.equations.items()}
    return {"equations": equations, "loss": sg.loss_text, "grads": grads}
