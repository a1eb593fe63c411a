"""The house rules, checked on the source: module and function sizes, which wings may import
torch, nn/ never printing, one trainer, a thin command line, and shared constants defined once.
Each failure names the file and line."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "rnnlab"
MAX_MODULE, MAX_FUNCTION = 350, 60
FILES = sorted(SRC.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST | None = None) -> str:
    return f"{path.relative_to(SRC.parents[1])}:{getattr(node, 'lineno', 1)}"


def _is_command(fn: ast.FunctionDef) -> bool:
    """A Typer command: decorated with app.command() or some_app.command("name")."""
    for d in fn.decorator_list:
        call = d.func if isinstance(d, ast.Call) else d
        if isinstance(call, ast.Attribute) and call.attr == "command":
            return True
    return False


def test_no_module_is_over_350_lines() -> None:
    long = [f"{_where(p)} has {n} lines" for p in FILES
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE]  # fmt: skip
    assert not long, "; ".join(long)


def test_no_function_is_over_60_lines_a_commands_option_signature_aside() -> None:
    long = []
    for path in FILES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0].lineno if _is_command(node) else node.lineno
                n = node.end_lineno - first + 1
                if n > MAX_FUNCTION:
                    long.append(f"{_where(path, node)} {node.name} has {n} lines")
    assert not long, "; ".join(long)


def _imports(path: Path) -> list[tuple[str, ast.AST]]:
    out = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out += [(a.name, node) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, node))
    return out


@pytest.mark.parametrize("wing", ["exact", "text", "crack"])
def test_the_numpy_wings_import_no_torch_anywhere(wing: str) -> None:
    found = [_where(p, node) for p in sorted((SRC / wing).rglob("*.py"))
             for name, node in _imports(p) if name.split(".")[0] == "torch"]  # fmt: skip
    assert not found, f"torch imported in {wing}/ at " + ", ".join(found)


def test_crack_imports_nothing_of_the_learning_wing_that_imports_torch() -> None:
    code = (
        "import sys, rnnlab.crack, rnnlab.crack.lm, rnnlab.crack.keyless, rnnlab.nn.runfile;"
        "rnnlab.crack.lm.default_lm(); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_nn_never_prints() -> None:
    found = []
    for path in sorted((SRC / "nn").rglob("*.py")):
        for node in ast.walk(_tree(path)):
            called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if called and node.func.id in ("print", "input"):
                found.append(f"{_where(path, node)} calls {node.func.id}")
            if isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr"):
                found.append(f"{_where(path, node)} touches sys.{node.attr}")
    assert not found, "; ".join(found)


def test_one_trainer_only_nn_train_and_tbptt_step_an_optimizer() -> None:
    allowed = {SRC / "nn" / "train.py", SRC / "nn" / "tbptt.py"}
    found = []
    for path in FILES:
        for node in ast.walk(_tree(path)):
            is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            # loss.backward() and optimizer.step(), not the exact engine's cell.backward(...)
            steps = is_call and node.func.attr in ("backward", "step") and not node.args
            if steps and path not in allowed:
                found.append(f"{_where(path, node)} calls .{node.func.attr}()")
    assert not found, "a training loop outside nn/train.py: " + "; ".join(found)


def _constants(path: Path) -> list[tuple[str, str, ast.AST]]:
    """Module-level UPPER_CASE assignments: (name, the value's source, node)."""
    out = []
    for node in _tree(path).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Name) and t.id.isupper() and node.value is not None:
                out.append((t.id, ast.unparse(node.value), node))
    return out


def _trivial(value: str) -> bool:
    """A number (1 << 20 too), a short string or a bool: equal by chance, not one constant."""
    tree = ast.parse(value, mode="eval")
    if all(isinstance(n, ast.Expression | ast.Constant | ast.BinOp | ast.UnaryOp | ast.operator
                      | ast.unaryop) for n in ast.walk(tree)):  # fmt: skip
        v = eval(compile(tree, "<constant>", "eval"))  # constants and operators alone
        return isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) < 8)
    return False


def test_shared_constants_are_defined_once() -> None:
    by_value: dict[str, list[str]] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    for path in FILES:
        for name, value, node in _constants(path):
            if not _trivial(value):
                by_value.setdefault(value, []).append(f"{name} at {_where(path, node)}")
            by_name.setdefault((name, value), []).append(_where(path, node))
    twice = [" and ".join(w) for w in by_value.values() if len(w) > 1]
    twice += [f"{n} = {v} at " + " and ".join(w) for (n, v), w in by_name.items() if len(w) > 1]
    assert not twice, "defined more than once: " + "; ".join(twice)


def test_the_command_line_stays_thin() -> None:
    """cli/run.py under 150 lines; no command builds datasets or batches, evaluates a model
    itself, or reads resume state: those are the library's (nn.jobs, nn.recipes)."""
    run = SRC / "cli" / "run.py"
    assert len(run.read_text(encoding="utf-8").splitlines()) < 150, _where(run)
    banned_modules = {"rnnlab.nn.data", "rnnlab.nn.datasets", "rnnlab.nn.streams",
                      "rnnlab.nn.train", "rnnlab.text.pairs.encode_pairs"}  # fmt: skip
    banned_names = {"resume_position", "load_resume_state", "read_history", "encode_pairs",
                    "dataset_from_text", "dataset_from_pairs", "evaluate"}  # fmt: skip
    found = []
    for path in sorted((SRC / "cli").rglob("*.py")):
        found += [
            f"{_where(path, n)} imports {m}" for m, n in _imports(path) if m in banned_modules
        ]
        for node in ast.walk(_tree(path)):
            name = getattr(node, "attr", None) or getattr(node, "id", None)
            is_use = isinstance(node, ast.Attribute | ast.Name) and name in banned_names
            if is_use and not isinstance(getattr(node, "ctx", None), ast.Store):
                found.append(f"{_where(path, node)} uses {name}")
    assert not found, "; ".join(found)
