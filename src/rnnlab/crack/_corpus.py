"""The English the crack statistics and the default language model are built from: the built-in
corpus, and word frequencies from the optional wordfreq package where it is installed.

Kept in one place so every table and the shipped weights come from the same text.
"""

from __future__ import annotations

import importlib.util
import os

WORD_LIMIT = 200_000  # most frequent wordfreq words kept: rarer ones are mostly noise


def training_text() -> str:
    """The built-in default corpus (cleaned prose of Python's bundled documentation)."""
    from rnnlab.text.corpus import default_text

    return default_text()


def wordfreq_available() -> bool:
    """Whether word statistics from wordfreq will be used (installed, and not turned off)."""
    if os.environ.get("RNNLAB_NO_WORDFREQ"):
        return False
    return importlib.util.find_spec("wordfreq") is not None


def word_frequencies(limit: int = WORD_LIMIT) -> dict[str, float] | None:
    """The `limit` most frequent English words and their frequencies from wordfreq (its
    'best' list, shipped inside the package), or None when wordfreq is not installed or
    RNNLAB_NO_WORDFREQ is set."""
    if not wordfreq_available():
        return None
    try:
        from wordfreq import get_frequency_dict
    except ImportError:
        return None
    freq = get_frequency_dict("en", wordlist="best")
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return dict(top)
