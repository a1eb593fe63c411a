"""benchmarks/heldout.py: its measures (prefix accuracy, the longest run of wrong letters, the
classes the errors fall on, the worst window) on a decipherer with known errors, and its quick
path end to end."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("heldout_benchmark", BENCH / "heldout.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["heldout_benchmark"] = module
    spec.loader.exec_module(module)
    return module


class Garbles:
    """A 'decipherer' that gets everything right but letters 2,000-2,011 of the text (12 letters
    in a row) and the digit at 5,000."""

    def __init__(self, plain: str) -> None:
        self.plain = plain

    def decipher(self, _: str) -> str:
        out = list(self.plain)
        letters = [i for i, c in enumerate(out) if c.isascii() and c.isalpha()]
        for i in letters[2_000:2_012]:
            out[i] = "q" if out[i] != "q" else "z"
        out[5_000] = "#"
        return "".join(out)


class Identity:
    def encrypt(self, text: str) -> str:
        return text


def test_the_measures_find_a_known_burst_of_errors(bench) -> None:
    text = ("The 3 quick brown foxes jumped over 12 lazy dogs. " * 300)[:12_000]
    text = text[:5_000] + "7" + text[5_001:]
    row, points = bench.measure(Garbles(text), Identity(), text, (1_000, 10_000))
    assert row["letters_1000"] == 1.0 and row["longest_wrong_letters"] == 12
    assert 0.99 < row["letters_10000"] < 1.0
    assert row["errors"] == {"lower": 12, "digit": 1}
    assert row["worst_window"] < 0.99 and len(points) == 12
    assert row["worst_run_plain"] != row["worst_run_got"]


def test_longest_run_counts_consecutive_trues(bench) -> None:
    import numpy as np

    assert bench.longest_run(np.array([0, 1, 1, 0, 1, 1, 1, 0], bool)) == (3, 4)
    assert bench.longest_run(np.zeros(5, bool)) == (0, -1)


def test_the_quick_path_writes_its_tables_and_figure(bench, tmp_path, capsys) -> None:
    args = ["--quick", "--only", "caesar", "--texts", "docstrings", "--out", str(tmp_path)]
    assert bench.main(args) == 0
    import csv

    out = capsys.readouterr().out
    assert "torch_threads=" in out and "letters 10,000" in out
    with (tmp_path / "heldout.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["model"], r["text"]) for r in rows] == [("caesar", "docstrings")]
    assert 0 <= float(rows[0]["letters_10000"]) <= 1 and int(rows[0]["longest_wrong_letters"]) >= 0
    assert (tmp_path / "heldout.png").stat().st_size > 1000
    assert (tmp_path / "heldout_positions.csv").read_text().count("\n") == 1 + 10
