"""Shared fixtures for the crack tests: English samples and warm n-gram tables."""

from __future__ import annotations

import pytest

# Plain English written for these tests (not from the built-in corpus).
SHORT = "Meet me at the old mill by the river."
MEDIUM = (
    "The morning train was late again, so we walked along the river to the market and bought "
    "bread, apples and a small jar of honey before the rain came down."
)
LONG = (
    "When the storm finally passed, the village came out to count the damage. Two boats had "
    "broken free in the night and drifted against the rocks, the baker had lost half of his "
    "roof, and the old oak tree beside the church lay across the road. Nobody was hurt, and by "
    "noon the children were already climbing through its branches while their parents carried "
    "away the smaller limbs and argued about who should pay for the new roof."
)


@pytest.fixture(scope="session", autouse=True)
def warm_tables() -> None:
    """Build (or read from the cache) the n-gram tables and load the shipped language model once,
    outside any timed test."""
    from rnnlab.crack.lm import default_scorer
    from rnnlab.crack.ngram import default_tables

    default_tables()
    default_scorer()
