"""Untrusted model files: no code path can unpickle. The source is scanned for pickle imports and
for torch.load without weights_only=True, and every loading path runs with unpickling trapped."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import rnnlab

SRC = Path(rnnlab.__file__).parent
PICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


def _problems(path: Path) -> list[str]:
    """What in the file at `path` could unpickle: imports of pickling modules, torch.load without
    weights_only=True, torch.save, numpy's allow_pickle, pandas' pickles."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in PICKLERS]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] in PICKLERS:
                found.append(f"from {module} import ...")
            if module.startswith("torch") and any(a.name == "load" for a in node.names):
                found.append(f"from {module} import load")
    for call, name in _calls(tree):
        keywords = {k.arg: k.value for k in call.keywords}
        if name in ("torch.load", "torch.serialization.load") or name.endswith(".torch.load"):
            flag = keywords.get("weights_only")
            if not (isinstance(flag, ast.Constant) and flag.value is True):
                found.append(f"{name}(...) without weights_only=True")
        if name.endswith("torch.save"):
            found.append("torch.save (a pickle) instead of safetensors")
        if "allow_pickle" in keywords and not (
            isinstance(keywords["allow_pickle"], ast.Constant)
            and keywords["allow_pickle"].value is False
        ):
            found.append(f"{name}(..., allow_pickle=...)")
        if name.endswith(("read_pickle", "to_pickle")):
            found.append(name)
    return [f"{path.name}: {p}" for p in found]


def test_no_source_file_imports_pickle_or_calls_torch_load_unsafely() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 20  # the whole package is scanned
    assert [p for f in files for p in _problems(f)] == []


def test_the_scan_catches_what_it_looks_for(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import pickle\nfrom dill import loads\nimport torch\nimport numpy as np\n"
        "from torch import load\ntorch.load('x')\ntorch.load('x', weights_only=False)\n"
        "torch.save({}, 'x')\nnp.load('x', allow_pickle=True)\n"
        "torch.load('x', weights_only=True)\nnp.load('x')\n"
    )
    assert len(_problems(probe)) == 7, _problems(probe)  # all but the last two calls


def test_every_loading_path_runs_with_unpickling_trapped(
    tiny_run: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    import pickle

    import torch

    from rnnlab.cli import main
    from rnnlab.nn import runs
    from rnnlab.nn.decode import Decipherer
    from rnnlab.text.vocab import Vocab

    run = runs.load_run(tiny_run)
    opt = torch.optim.Adam(run.model.parameters())  # torch's lazy imports happen before the trap

    def trap(*args, **kwargs):
        raise AssertionError("something tried to unpickle")

    import _pickle

    for module in (pickle, _pickle):
        for name in ("load", "loads"):
            monkeypatch.setattr(module, name, trap)
    monkeypatch.setattr(torch, "load", trap)

    run = runs.load_run(tiny_run)
    assert Decipherer.from_run(run).decipher("Wkh hqg.")
    runs.save_resume_state(tmp_path, opt, 1, 0)
    assert runs.load_resume_state(tmp_path, opt) == (1, 0)
    run.vocabs.source.save(tmp_path / "vocab.json")
    assert Vocab.load(tmp_path / "vocab.json") == run.vocabs.source
    assert main(["decipher", "-m", str(tiny_run), "wkh"]) == 0
    assert main(["summary", "--model", str(tiny_run)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("name", ["config.json", "vocab.json", "model.safetensors"])
def test_run_files_are_json_and_safetensors_never_pickles(tiny_run: Path, name: str) -> None:
    data = (tiny_run / name).read_bytes()
    if name.endswith(".safetensors"):  # 8 bytes of header length (which may begin 0x80), JSON
        n = int.from_bytes(data[:8], "little")
        assert 8 + n <= len(data) and json.loads(data[8 : 8 + n])
    else:
        assert data[:1] == b"{"  # JSON, not the pickle protocol opcode 0x80
