"""Reading BPTT problems from numbers and JSON specs, and refusing bad ones with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnlab.errors import InputError
from rnnlab.exact.spec import load_spec, parse_spec, scalar_problem

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_every_documented_example_spec_loads():
    paths = sorted(EXAMPLES.glob("*.json"))
    assert len(paths) >= 3
    kinds = {load_spec(path).net.cell.kind for path in paths}
    assert kinds == {"rnn", "gru", "lstm"}


def test_worked_example_spec_equals_the_command_line_numbers():
    from_spec = load_spec(EXAMPLES / "worked-example.json")
    from_flags = scalar_problem(1, 0.1, 2, [10, 10], [5, 5], h0=1)
    for name, value in from_flags.params.items():
        np.testing.assert_array_equal(from_spec.params[name], value)
    np.testing.assert_array_equal(from_spec.xs, from_flags.xs)
    np.testing.assert_array_equal(from_spec.state0[0], from_flags.state0[0])


def test_sizes_come_from_the_matrices():
    problem = parse_spec(
        {
            "params": {"W_h": [[0, 1], [1, 0]], "W_x": [[1, 2, 3], [4, 5, 6]], "W_y": [1, 1]},
            "x": [[1, 2, 3]],
            "y": [0.5],
        }
    )
    cell = problem.net.cell
    assert (cell.input_size, cell.hidden_size, problem.net.output_size) == (3, 2, 1)
    assert problem.params["W_y"].shape == (1, 2)
    assert not cell.bias and not problem.net.output_bias


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"params": {"W_h": 1, "W_x": 1, "W_y": 1}, "x": [1]}, "missing 'y'"),
        ({"params": {"W_h": 1, "W_x": 1, "W_y": 1}, "x": [1], "y": [1, 2]}, "y must have 1 steps"),
        ({"params": {"W_h": 1, "W_x": 1, "W_y": 1, "W_q": 2}, "x": [1], "y": [1]}, "unknown param"),
        ({"params": {"W_h": 1, "W_x": [1, 2], "W_y": 1}, "x": [1], "y": [1]}, "W_x has shape"),
        (
            {"params": {"W_h": 1, "W_x": 1, "W_y": 1}, "x": [1], "y": [1], "cell": "tcn"},
            "unknown cell",
        ),
        ({"params": {"W_h": 1, "W_x": 1, "W_y": 1}, "x": [1], "y": [1], "seed": 3}, "unknown key"),
        ({"params": {"W_h": "a", "W_x": 1, "W_y": 1}, "x": [1], "y": [1]}, "W_h must be a number"),
        (
            {"cell": "gru", "params": {"W_xr": 1, "W_hr": 1, "W_y": 1}, "x": [1], "y": [1]},
            "missing",
        ),
        ({"params": {"W_h": 1, "W_x": 1, "W_y": 1, "b_h": 0}, "x": [1], "y": [1], "c0": [0]}, "c0"),
    ],
)
def test_bad_specs_are_refused_with_a_message_naming_the_problem(spec, message):
    with pytest.raises(InputError, match=message):
        parse_spec(spec)


def test_load_spec_names_the_file_in_its_errors(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"params": {"W_h": 1}, "x": [1], "y": [1]}))
    with pytest.raises(InputError, match=r"p\.json: params needs W_x"):
        load_spec(path)
    path.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_spec(path)


def test_scalar_problem_needs_one_target_per_input():
    with pytest.raises(InputError, match="one target per input"):
        scalar_problem(1, 1, 1, [1, 2], [1])
