"""The n-gram tables kept on disk between runs, so a crack starts in a tenth of a second.

Saved with numpy's .npz (arrays only, loaded with allow_pickle=False) in the user's cache folder
($RNNLAB_CACHE, else $XDG_CACHE_HOME/rnnlab, else ~/.cache/rnnlab), written atomically. The
file name carries everything the tables depend on, so a stale file is never read.
"""

from __future__ import annotations

import io
import os
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from rnnlab.crack._corpus import WORD_LIMIT
from rnnlab.fileio import atomic_write_bytes

FORMAT = 2


def cache_dir() -> Path:
    """The folder cached tables go in."""
    if os.environ.get("RNNLAB_CACHE"):
        return Path(os.environ["RNNLAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rnnlab"


def table_file(words: bool, pairs: bool = False) -> Path:
    """Where the tables for this Python (its corpus), rnnlab, wordfreq and symspellpy version
    are kept."""
    try:
        rnnlab = metadata.version("rnnlab")
    except metadata.PackageNotFoundError:
        rnnlab = "dev"
    source = "corpus"
    if words:
        try:
            source = "wordfreq" + metadata.version("wordfreq") + f"-{WORD_LIMIT}"
        except metadata.PackageNotFoundError:
            source = "wordfreq"
    if pairs:
        try:
            source += "-symspellpy" + metadata.version("symspellpy")
        except metadata.PackageNotFoundError:
            source += "-symspellpy"
    py = f"py{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    return cache_dir() / f"crack-ngrams-v{FORMAT}-{rnnlab}-{py}-{source}.npz"


def load(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays in `path`, or None if it is missing or unreadable (it is then rebuilt)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, KeyError, EOFError):
        return None


def save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` to `path` atomically; a cache that cannot be written is skipped."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buf.getvalue())
    except OSError:
        pass
