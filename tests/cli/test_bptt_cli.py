"""`rnnlab bptt`: the assignment's worked example, specs, formats, the symbolic form, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
WORKED = [
    "bptt",
    "--wh",
    "1",
    "--wx",
    "0.1",
    "--wy",
    "2",
    "--h0",
    "1",
    "--x",
    "10",
    "10",
    "--y",
    "5",
    "5",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_worked_example_prints_the_assignments_numbers(capsys):
    code, out, err = run(capsys, *WORKED)
    assert (code, err) == (0, "")
    assert "h_1 = 2, h_2 = 3, y_hat_1 = 4, y_hat_2 = 6" in out
    assert "\nL = 2\n" in out
    assert "dL/dh_1 = -4 + 4 = 0" in out
    assert "dL/dW_h = -4 + 8 + 4 = 8" in out  # 2(y1^-y1)W_y h0 + 2(y2^-y2)W_y(h1 + W_h h0)
    assert "dL/dW_x = -40 + 40 + 40 = 40" in out
    assert "dL/dW_y = -4 + 6 = 2" in out
    assert "dL/dh_0 = -4 + 4 = 0" in out


def test_json_has_exactly_h_y_hat_loss_and_grad(capsys):
    code, out, _ = run(capsys, *WORKED, "--format", "json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"h", "y_hat", "loss", "grad"}
    assert data["h"] == pytest.approx([2, 3]) and data["y_hat"] == pytest.approx([4, 6])
    assert data["loss"] == pytest.approx(2)
    assert data["grad"] == pytest.approx(
        {"W_h": 8, "W_x": 40, "W_y": 2, "h_0": 0, "h_1": 0, "h_2": 4}, abs=1e-12
    )


def test_negative_numbers_and_activations_parse(capsys):
    code, out, _ = run(
        capsys,
        "bptt",
        "--wh",
        "-0.5",
        "--wx",
        "1",
        "--wy",
        "1",
        "--x",
        "-1",
        "-2.5",
        "--y",
        "0",
        "-1",
        "--activation",
        "tanh",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0
    assert data["h"][0] == pytest.approx(-0.761594155956, abs=1e-12)  # tanh(-1)


def test_markdown_format_gives_a_table(capsys):
    code, out, _ = run(capsys, *WORKED, "--format", "markdown")
    assert code == 0 and "| t | x_t | h_t | y_hat_t | y_t | J_t |" in out


def test_symbolic_prints_the_expression_before_its_value(capsys):
    code, out, _ = run(capsys, *WORKED, "--symbolic")
    assert code == 0
    assert "dL/dW_h = 2*(y_hat_1 - y_1)*W_y*h_0 + 2*(y_hat_2 - y_2)*W_y*(W_h*h_0 + h_1)" in out
    assert out.index("dL/dW_h = 2*(y_hat_1") < out.index("    = 8")


@pytest.mark.parametrize(
    "name", ["worked-example.json", "tanh-two-units.json", "gru.json", "lstm-classes.json"]
)
def test_every_example_spec_runs_in_every_format(capsys, name):
    for fmt in ("text", "markdown", "json"):
        code, out, err = run(capsys, "bptt", "--spec", str(EXAMPLES / name), "--format", fmt)
        assert (code, err) == (0, ""), fmt
    assert set(json.loads(out)) == {"h", "y_hat", "loss", "grad"}


def test_spec_worked_example_equals_the_flags(capsys):
    _, from_flags, _ = run(capsys, *WORKED, "--format", "json")
    _, from_spec, _ = run(
        capsys, "bptt", "--spec", str(EXAMPLES / "worked-example.json"), "--format", "json"
    )
    assert json.loads(from_spec) == json.loads(from_flags)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bptt", "--wh", "1", "--x", "1", "--y", "1"], "missing --wx, --wy"),
        (
            ["bptt", "--wh", "1", "--wx", "1", "--wy", "1", "--x", "1", "oops", "--y", "1", "1"],
            "'oops' is not a number",
        ),
        (
            ["bptt", "--wh", "1", "--wx", "1", "--wy", "1", "--x", "1", "2", "--y", "1"],
            "one target per input",
        ),
        ([*WORKED, "--activation", "sigmoid"], "unknown activation"),
        ([*WORKED, "--format", "html"], "unknown format"),
        ([*WORKED, "--format", "json", "--symbolic"], "--symbolic"),
        (["bptt", "--spec", "no/such.json"], "no such file"),
    ],
)
def test_mistakes_exit_2_with_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [
        "rnnlab bptt --wh 1 --wx 0.1 --wy 2 --h0 1 --x 10 10 --y 5 5 --symbolic",
        "rnnlab bptt --wh 1 --wx 0.1 --wy 2 --h0 1 --x 10 10 --y 5 5 --format json",
        "rnnlab bptt --spec docs/examples/tanh-two-units.json",
    ],
)
def test_worked_example_doc_shows_real_runs(capsys, monkeypatch, command):
    doc = (EXAMPLES.parent / "worked-example.md").read_text(encoding="utf-8")
    pasted = doc.split(f"$ {command}\n", 1)[1].split("\n```", 1)[0]
    monkeypatch.chdir(EXAMPLES.parents[1])
    code, out, _ = run(capsys, *command.split()[1:])
    assert code == 0 and out.rstrip("\n") == pasted
