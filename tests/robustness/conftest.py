"""Shared pieces of the robustness tests: a tiny run folder (an untrained char model, saved once
per session), a way to damage a copy of it, and a helper that runs the command line in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

LETTERS = "abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid run folder: an untrained char model (hidden 4) over lowercase letters, space and
    . , ! ? ' -- enough for every loading and deciphering path, trained or not."""
    from dataclasses import replace

    import torch

    from rnnlab.nn import recipes, runs
    from rnnlab.nn.models import build_model
    from rnnlab.text.vocab import Vocab

    src = tgt = Vocab.fit([LETTERS + " .,!?'"])
    config = recipes.decipher_config(model="char", cipher="caesar", key="3", hidden=4, embed=2)
    config = replace(config, model=replace(config.model, src_vocab=src.size, tgt_vocab=tgt.size))
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("runs") / "tiny"
    runs.save_run(path, config, build_model(config.model), runs.Vocabs(src, tgt, True, 40))
    return path


@pytest.fixture
def run_copy(tiny_run: Path, tmp_path: Path) -> Path:
    """A copy of tiny_run that a test may damage."""
    return Path(shutil.copytree(tiny_run, tmp_path / "run"))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Bad and good input files by name."""
    d = tmp_path / "in"
    d.mkdir()
    made = {
        "empty": b"",
        "digits": b"123 456 !!!\n",
        "latin1": b"caf\xe9 au lait\n",
        "binary": b"\x00\x01\x02\x03abc",
        "text": b"Wkh hqg.\n",
        "cyrillic": "Жжж ззз\n".encode(),
    }
    out = {}
    for name, data in made.items():
        out[name] = d / f"{name}.txt"
        out[name].write_bytes(data)
    out["folder"] = d
    out["missing"] = d / "missing.txt"
    return out
