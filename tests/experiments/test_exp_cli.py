"""`rnnlab experiment`: one quick run end to end, and one-line errors for bad arguments."""

from __future__ import annotations

from rnnlab.cli import main


def test_experiment_vanishing_quick_prints_the_verdict_and_writes_its_files(tmp_path, capsys):
    out = tmp_path / "vanishing"
    assert main(["experiment", "vanishing", "--quick", "--out", str(out), "--seed", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("vanishing (quick run, seed 1) in ")
    assert "- One unit:" in printed and "explodes" in printed
    for name in ("vanishing.csv", "vanishing.png", "summary.md"):
        assert (out / name).is_file() and str(out / name) in printed
    assert "--seed 1" in (out / "summary.md").read_text()


def test_unknown_experiment_is_one_line_and_exit_code_2(capsys):
    assert main(["experiment", "gradients", "--quick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "choose one of vanishing, memory, tbptt" in err


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["experiment", "vanishing", "--quick", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
