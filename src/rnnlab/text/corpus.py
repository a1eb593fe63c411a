"""Text to learn from: the built-in default corpus, users' text files, sentences, phrases, splits.

The default corpus is the English prose of Python's own bundled documentation (`pydoc_data`,
which ships with every Python), cleaned at run time: no download. It is deterministic for a given
Python version. Nothing here enciphers or encodes; see ciphers/ and vocab.py.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from rnnlab.errors import DataError, InputError
from rnnlab.text._files import read_utf8

__all__ = ["default_text", "load_text", "phrases", "sentences", "split"]

T = TypeVar("T")

# ---- sentence splitting, for any text

_ABBREVIATIONS = frozenset(
    ["e.g.", "i.e.", "etc.", "vs.", "cf.", "mr.", "mrs.", "ms.", "dr.", "st.", "no.", "fig."]
    + ["al.", "approx.", "resp.", "viz."]
)
_BOUNDARY = re.compile(r"""[.?!]["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")


def sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, whitespace collapsed. Paragraphs (split at blank lines)
    never share a sentence; lines within one are joined. A sentence ends at . ? or ! followed by
    a capital letter or digit, except after an abbreviation such as e.g. or etc."""
    out: list[str] = []
    for para in re.split(r"\n[ \t\r\f\v]*\n", text):
        flat = " ".join(para.split())
        start = 0
        for m in _BOUNDARY.finditer(flat):
            last_word = flat[start : m.start() + 1].rsplit(" ", 1)[-1].lower()
            if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
                continue  # e.g. / single initials
            out.append(flat[start : m.end()].strip())
            start = m.end()
        if flat[start:].strip():
            out.append(flat[start:].strip())
    return out


def phrases(text: str, max_len: int = 100, min_len: int = 10) -> list[str]:
    """The sentences of `text`, each at most `max_len` characters: longer ones are cut at word
    boundaries into pieces (a single longer word is cut anywhere), pieces shorter than `min_len`
    are dropped, and repeats are kept once (so a split never puts a phrase on both sides).
    Raises DataError when no phrase remains."""
    if max_len < 1 or min_len < 0 or min_len > max_len:
        raise InputError(f"phrase lengths need 0 <= min_len <= max_len; got {min_len}, {max_len}")
    out: dict[str, None] = {}
    for s in sentences(text):
        for piece in _cut(s, max_len):
            if len(piece) >= min_len:
                out.setdefault(piece)
    if not out:
        raise DataError(
            f"the text gives no phrase of at least {min_len} characters; "
            "give more text (sentences of several words)"
        )
    return list(out)


def _cut(sentence: str, max_len: int) -> list[str]:
    """`sentence` in pieces of at most `max_len` characters, cut at spaces where possible."""
    pieces, line = [], ""
    for word in sentence.split(" "):
        while len(word) > max_len:  # a word that fits no piece
            if line:
                pieces.append(line)
                line = ""
            pieces.append(word[:max_len])
            word = word[max_len:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= max_len:
            line += " " + word
        else:
            pieces.append(line)
            line = word
    if line:
        pieces.append(line)
    return pieces


# ---- splits


def split(
    items: Sequence[T], fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0
) -> tuple[list[T], list[T], list[T]]:
    """`items` shuffled with `seed` and cut into (train, validation, test) in the proportions
    `fractions` (three non-negative numbers summing to 1). The same seed gives the same split;
    every item lands in exactly one part."""
    f = np.asarray(fractions, dtype=np.float64)
    if f.shape != (3,) or (f < 0).any() or abs(f.sum() - 1.0) > 1e-9:
        raise InputError(
            f"split fractions must be three non-negative numbers summing to 1, "
            f"such as 0.8, 0.1, 0.1; got {tuple(fractions)}"
        )
    n = len(items)
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(f[0] * n))
    n_val = min(int(round(f[1] * n)), n - n_train)
    parts = np.split(order, [n_train, n_train + n_val])
    return tuple([items[i] for i in part] for part in parts)  # type: ignore[return-value]


# ---- files


def load_text(path: str | os.PathLike[str]) -> str:
    """A user's corpus: the text of a UTF-8 file. InputError if it is missing, binary or not
    UTF-8; DataError if it holds no letters."""
    text = read_utf8(path)
    _require_letters(text, str(path))
    return text


def _require_letters(text: str, name: str) -> None:
    if not any(c.isalpha() for c in text):
        what = "is empty" if not text.strip() else "holds no letters"
        raise DataError(f"the corpus {name} {what}; give a text file of prose sentences")


# ---- the default corpus: Python's documentation topics, prose only

_HEADING_RULE = re.compile(r"^\s*([*=\-~^#\"'`+])\1{2,}\s*$")
_VERSION_NOTE = re.compile(r"^(Changed|New|Added|Deprecated|Removed) (in|since) version")
_ADMONITION = re.compile(r"^[A-Z][A-Za-z ]{0,30}:$")  # "Note:", "See also:", "Warning:"
_LIST_ITEM = re.compile(r"^(\*|-|\d+\.|[a-z]\.)\s")
_LITERAL = re.compile(r'"([^"\n]*)"')
_EMPHASIS = re.compile(r"\*{1,2}([^*\s][^*]*?)\*{1,2}")
_FOOTNOTE_REF = re.compile(r"\s?\[\d+\]")
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                             "\u2013": "-", "\u2014": "-", "\u2026": "..."})  # fmt: skip
_NOT_PROSE = re.compile(r"""[^A-Za-z0-9 .,;:?!'()\-]""")  # code, markup and non-ASCII
_DOTTED_NAME = re.compile(r"[A-Za-z_]\.\w{2,}|\w\.[A-Za-z_]{2,}|\w\(|\.\.|--")


@functools.lru_cache(maxsize=1)
def default_text() -> str:
    """The built-in corpus: the prose sentences of Python's documentation topics, with code
    examples, grammar, tables, headings, footnotes and markup removed, each sentence kept once.
    Paragraphs are separated by a blank line, the sentences of one paragraph by a space."""
    from pydoc_data.topics import topics

    seen: set[str] = set()
    paragraphs = []
    for name in sorted(topics):
        for block in _prose_blocks(topics[name]):
            kept = [s for s in sentences(_unmark(block)) if _is_prose(s) and s not in seen]
            seen.update(kept)
            if kept:
                paragraphs.append(" ".join(kept))
    text = "\n\n".join(paragraphs) + "\n"
    _require_letters(text, "built from pydoc_data")
    return text


def _prose_blocks(doc: str) -> list[str]:
    """The paragraphs of one documentation topic that may hold prose: not headings, tables,
    grammar, doctests, footnotes, or the indented code example after a line ending in ':'."""
    lines = doc.translate(_TYPOGRAPHY).splitlines()
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    out: list[str] = []
    after_colon_indent: int | None = None  # indent of a paragraph that introduced a code block
    for block in blocks:
        if not block:
            continue
        indent = min(len(x) - len(x.lstrip()) for x in block)
        first = block[0].strip()
        code_example = after_colon_indent is not None and indent > after_colon_indent
        if code_example and _LIST_ITEM.match(first):
            code_example = False
        if not code_example:
            after_colon_indent = None
        keep = not (
            code_example
            or any(_HEADING_RULE.match(x) for x in block)  # a heading and its underline
            or any(x.lstrip().startswith(("+-", "+=", "|", ">>>", "...", "-[")) for x in block)
            or any("::=" in x for x in block)
            or re.match(r"\[\d+\]", first)  # a footnote's text
            or _VERSION_NOTE.match(first)
            or any(re.search(r"\S {3,}\S", x) for x in block)  # columns aligned by spaces
        )
        last = block[-1].rstrip()
        if (
            last.endswith(":")
            and not _ADMONITION.match(last.strip())
            and after_colon_indent is None
        ):
            after_colon_indent = indent
        if keep:
            out.append(_LIST_ITEM.sub("", " ".join(x.strip() for x in block), count=1))
    return out


def _unmark(block: str) -> str:
    """Markup removed: footnote references, emphasis stars, quotes around a single word."""
    block = _FOOTNOTE_REF.sub("", block)
    block = _EMPHASIS.sub(r"\1", block)
    return _LITERAL.sub(lambda m: m[1] if re.fullmatch(r"[A-Za-z]+", m[1]) else m[0], block)


def _is_prose(s: str) -> bool:
    """A plain English sentence: capitalised, ended by . ? or !, several words, mostly letters,
    no code characters, dotted names or quoted code left in it."""
    words = s.split()
    return (
        len(words) >= 4
        and s[0].isupper()
        and s[-1] in ".?!"
        and not _NOT_PROSE.search(s)
        and not _DOTTED_NAME.search(s)
        and s.count("(") == s.count(")")
        and sum(c.isalpha() for c in s) >= 0.75 * sum(not c.isspace() for c in s)
        and words[-1].lower() not in _ABBREVIATIONS
        and not _VERSION_NOTE.match(s)
    )
