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


def word_pairs_available() -> bool:
    """Whether word-pair counts from symspellpy will be used (installed, and not turned off)."""
    if os.environ.get("RNNLAB_NO_WORD_PAIRS"):
        return False
    return _symspell_folder() is not None


def word_pairs():
    """Counts of English word pairs and words, from the dictionaries shipped inside the
    symspellpy package (MIT; derived from Google Books n-grams and SCOWL), read as plain text
    without importing it; None when it is not installed or RNNLAB_NO_WORD_PAIRS is set."""
    from rnnlab.crack.ngram import WordPairs

    folder = None if os.environ.get("RNNLAB_NO_WORD_PAIRS") else _symspell_folder()
    if folder is None:
        return None
    uni = sorted(folder.glob("frequency_dictionary_en_*.txt"))
    bi = sorted(folder.glob("frequency_bigramdictionary_en_*.txt"))
    if not uni or not bi:
        return None
    words: dict[str, float] = {}
    for line in uni[-1].read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            words[parts[0].lower()] = words.get(parts[0].lower(), 0.0) + float(parts[1])
    pairs: dict[tuple[str, str], float] = {}
    for line in bi[-1].read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3:
            key = (parts[0].lower(), parts[1].lower())
            pairs[key] = pairs.get(key, 0.0) + float(parts[2])
    return WordPairs(pairs, words)


def _symspell_folder():
    """The folder of the installed symspellpy package, found without importing it."""
    from pathlib import Path

    spec = importlib.util.find_spec("symspellpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])
