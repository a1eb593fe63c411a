"""`rnnlab crack` and `rnnlab lm train` on the command line: output, JSON, limits, exit codes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rnnlab.cli import main
from rnnlab.crack.ngram import default_tables
from rnnlab.text.ciphers import make_cipher

PLAIN = "The morning train was late again, so we walked along the river to the market."


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    default_tables()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_crack_prints_plaintext_then_cipher_key_and_confidence(capsys) -> None:
    code, out, err = run(capsys, "crack", make_cipher("caesar", "3").encrypt(PLAIN), "-t", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0] == PLAIN
    assert lines[1].startswith("cipher: caesar  key: 3  confidence:")


def test_crack_json_has_the_five_keys(capsys) -> None:
    code, out, _ = run(
        capsys, "crack", "--json", "-t", "2", make_cipher("affine", "5,8").encrypt(PLAIN)
    )
    obj = json.loads(out)
    assert code == 0 and set(obj) == {"plaintext", "cipher", "key", "confidence", "ambiguous"}
    assert (obj["plaintext"], obj["cipher"], obj["key"]) == (PLAIN, "affine", "5,8")
    assert obj["ambiguous"] == []  # only a substitution has letters to leave unsettled
    assert 0.0 <= obj["confidence"] <= 1.0


def test_crack_lists_candidates_with_scores(capsys) -> None:
    code, out, _ = run(
        capsys, "crack", "-n", "3", "-t", "1", make_cipher("caesar", 7).encrypt(PLAIN)
    )
    ranked = [line for line in out.splitlines() if line[:3] in (" 1.", " 2.", " 3.")]
    assert code == 0 and len(ranked) == 3


def test_crack_stops_within_the_time_limit(capsys) -> None:
    text = make_cipher("substitution", "QWERTYUIOPASDFGHJKLZXCVBNM").encrypt(PLAIN)
    start = time.monotonic()
    code, out, _ = run(capsys, "crack", "--time-limit", "1", "--cipher", "substitution", text)
    assert code == 0 and out
    assert time.monotonic() - start < 1.5


def test_crack_reads_a_file_and_uses_a_crib(capsys, tmp_path: Path) -> None:
    f = tmp_path / "c.txt"
    f.write_text("Uif", encoding="utf-8")
    code, out, _ = run(capsys, "crack", "-i", str(f), "-c", "caesar", "--crib", "the", "--json")
    assert code == 0 and json.loads(out)["plaintext"] == "The"


@pytest.mark.parametrize("text", ["", "12 34 !!"])
def test_crack_without_letters_exits_2_with_one_line(capsys, text: str) -> None:
    code, out, err = run(capsys, "crack", text)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("rnnlab: error:")


def test_lm_train_saves_a_run_that_crack_can_use(capsys, tmp_path: Path) -> None:
    import torch

    torch.set_num_threads(1)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text((PLAIN + " ") * 60, encoding="utf-8")
    out_dir = tmp_path / "lm"
    code, out, _ = run(
        capsys, "lm", "train", "--corpus", str(corpus), "--out", str(out_dir),
        "--epochs", "1", "--hidden", "8", "--batch", "4", "--bptt", "16",
    )  # fmt: skip
    assert code == 0 and "epoch   1" in out
    assert {p.name for p in out_dir.iterdir()} >= {
        "model.safetensors",
        "config.json",
        "history.csv",
    }
    code, out, _ = run(capsys, "crack", "--lm", str(out_dir), "-t", "1", "--json", "Uif")
    keys = {"plaintext", "cipher", "key", "confidence", "ambiguous"}
    assert code == 0 and set(json.loads(out)) == keys


def test_vigenere_search_on_a_caesar_text_ends_well_inside_its_time_limit(capsys) -> None:
    """Every key the search keeps has one letter (a Caesar shift): the refinement has nothing
    to perturb and must count that toward its patience instead of spinning to the deadline."""
    text = (
        "When the storm finally passed, the village came out to count the damage. Two boats had "
        "broken free in the night and drifted against the rocks, and the old oak tree lay across "
        "the road. Nobody was hurt, and by noon the children were climbing through its branches."
    )
    t0 = time.monotonic()
    cipher = make_cipher("caesar", "3").encrypt(text)
    code, out, _ = run(capsys, "crack", "--cipher", "vigenere", "-t", "20", cipher)
    assert code == 0 and out.splitlines()[0] == text
    assert "key: D " in out
    assert time.monotonic() - t0 < 5.0


def test_rnnlab_crack_never_imports_torch(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from rnnlab.cli import main; "
        "rc = main(['crack', '-t', '3', 'Wkh txlfn eurzq ira mxpsv ryhu wkh odcb grj.']); "
        "print(rc, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 False", out.stdout + out.stderr


def test_crack_refuses_a_language_model_and_no_language_model_at_once(capsys, tmp_path) -> None:
    code, out, err = run(capsys, "crack", "--lm", str(tmp_path), "--no-lm", "Uif")
    assert code == 2 and out == "" and "not both" in err
