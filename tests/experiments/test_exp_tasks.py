"""The synthetic tasks: shapes, answers and lags are what their docstrings promise."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.errors import InputError
from rnnlab.experiments.tasks import (
    ADDING_BASELINE,
    IGNORE,
    adding_problem,
    delayed_stream,
    first_symbol_pairs,
)


def test_adding_problem_marks_one_step_in_each_half_and_sums_them():
    x, y = adding_problem(500, 20, np.random.default_rng(0))
    assert x.shape == (500, 20, 2) and y.shape == (500,)
    marks = x[:, :, 1]
    assert np.all(marks.sum(axis=1) == 2)
    assert np.all(marks[:, :10].sum(axis=1) == 1) and np.all(marks[:, 10:].sum(axis=1) == 1)
    np.testing.assert_allclose(y, (x[:, :, 0] * marks).sum(axis=1))


def test_adding_problem_mean_predictor_scores_one_sixth():
    _, y = adding_problem(200_000, 10, np.random.default_rng(1))
    assert abs(np.mean((y - 1.0) ** 2) - ADDING_BASELINE) < 2e-3


def test_first_symbol_pairs_score_only_the_last_step_against_the_first_symbol():
    data = first_symbol_pairs(50, 7, 5, np.random.default_rng(2))
    assert data.src.shape == data.tgt.shape == (50, 8)
    assert np.all(data.lengths == 8)
    assert np.all(data.tgt[:, :-1] == 0) and np.all(data.tgt[:, -1] == data.src[:, 0])
    assert data.src.min() >= 1 and data.src.max() <= 5


def test_delayed_stream_targets_are_inputs_shifted_by_the_lag():
    ids, targets = delayed_stream(4, 30, 6, 3, np.random.default_rng(3))
    assert np.all(targets[:, :6] == IGNORE)
    assert np.array_equal(targets[:, 6:], ids[:, :-6])


@pytest.mark.parametrize(
    "call",
    [
        lambda rng: adding_problem(3, 1, rng),
        lambda rng: first_symbol_pairs(3, 5, 1, rng),
        lambda rng: delayed_stream(3, 5, 5, 2, rng),
    ],
)
def test_tasks_refuse_impossible_sizes(call):
    with pytest.raises(InputError):
        call(np.random.default_rng(0))
