"""Held-out English of another style: the docstrings of a fixed list of standard-library modules,
read from their source files (nothing is imported or run), cleaned to prose sentences.

No model trains on it: the default corpus is the reference prose of `pydoc_data`, in long
explanatory sentences, while these are terse API descriptions ("Return the number of bytes that
can be read immediately.") with quotes, brackets, digits and ! ? that the corpus lacks. Sentences
that also occur in the default corpus are left out. Deterministic for a given Python version.
Not a corpus of its own to train on, and not a docstring parser: prose is kept, the rest dropped.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re

from rnnlab.errors import DataError, InputError
from rnnlab.text.corpus import default_text, sentences

__all__ = ["HELDOUT_MODULES", "heldout_paragraphs", "heldout_text"]

# Pure-Python modules present in every CPython from 3.10 on (none removed by PEP 594, none that
# needs Tk), in the order their text is used; together about 250,000 characters of prose.
HELDOUT_MODULES: tuple[str, ...] = (
    "_pydecimal",
    "logging",
    "typing",
    "threading",
    "inspect",
    "email.message",
    "difflib",
    "xml.etree.ElementTree",
    "doctest",
    "http.cookiejar",
    "unittest.case",
    "bdb",
    "mailbox",
    "urllib.request",
    "statistics",
    "pathlib",
    "pydoc",
    "tarfile",
    "smtplib",
    "unittest.mock",
    "http.server",
    "configparser",
    "pdb",
    "logging.handlers",
    "email._header_value_parser",
    "asyncio.base_events",
    "tempfile",
    "traceback",
    "urllib.parse",
    "asyncio.tasks",
    "imaplib",
    "platform",
    "shutil",
    "collections",
    "http.client",
    "asyncio.events",
    "ftplib",
    "subprocess",
    "socketserver",
    "xmlrpc.server",
    "ipaddress",
    "ssl",
    "zipfile",
    "argparse",
    "datetime",
    "random",
    "queue",
    "calendar",
    "pickle",
    "enum",
)

# Characters that mark code, markup or a path rather than prose, and dotted or called names.
_CODE = re.compile(r"[_=<>{}`\\#@|*~$^&/+]|\w\.\w|\w\(|\(\)|\.\.|--|\[\]")


def _is_prose(s: str) -> bool:
    """An English sentence: capitalised, ended by . ? or !, four words or more, ASCII, mostly
    letters, balanced brackets and quotes, and nothing that looks like code."""
    return (
        len(s.split()) >= 4
        and s[0].isupper()
        and s[-1] in ".?!"
        and s.isascii()
        and not _CODE.search(s)
        and sum(c.isalpha() for c in s) >= 0.75 * sum(not c.isspace() for c in s)
        and s.count("(") == s.count(")")
        and s.count("[") == s.count("]")
        and s.count('"') % 2 == 0
    )


def _prose_paragraphs(doc: str) -> list[str]:
    """The paragraphs of one docstring that hold prose: not indented (code, tables, nested
    lists), no doctest (>>> or ...), no field lists or bullets; lines of one paragraph joined."""
    out = []
    for block in re.split(r"\n[ \t]*\n", doc):
        lines = block.split("\n")
        if any(x[:1] in (" ", "\t") for x in lines):
            continue
        if any(x.lstrip().startswith((">>>", "...", ":", "-", "*", "+", "..")) for x in lines):
            continue
        out.append(" ".join(x.strip() for x in lines))
    return out


@functools.cache
def _module_paragraphs(name: str) -> tuple[str, ...]:
    """The prose paragraphs of every docstring in module `name`'s source, in source order
    (module, classes, functions as ast.walk meets them); () if the module has no source here."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return ()
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return ()
    try:
        with open(spec.origin, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docs = [ast.get_docstring(n) for n in ast.walk(tree) if isinstance(n, kinds)]
    return tuple(p for d in docs if d for p in _prose_paragraphs(d))


@functools.lru_cache(maxsize=1)
def _corpus_sentences() -> frozenset[str]:
    return frozenset(sentences(default_text()))


def heldout_paragraphs(min_chars: int | None = None):
    """Paragraphs of held-out prose, in a fixed order: each the prose sentences of one docstring
    paragraph joined by spaces, every sentence kept once and none from the default corpus.
    Modules are read lazily, only as far as needed to reach `min_chars` (None: all of them)."""
    seen = set(_corpus_sentences())
    total = 0
    for name in HELDOUT_MODULES:
        for para in _module_paragraphs(name):
            kept = [s for s in sentences(para) if _is_prose(s) and s not in seen]
            if not kept:
                continue
            seen.update(kept)
            text = " ".join(kept)
            yield text
            total += len(text) + 2
            if min_chars is not None and total >= min_chars:
                return


def heldout_text(min_chars: int = 120_000) -> str:
    """At least `min_chars` characters of held-out English (whole paragraphs, separated by a
    blank line, ending with a newline). The same Python always gives the same text, and a
    shorter request gives a prefix of a longer one. DataError if this Python's standard library
    cannot provide that much (about 250,000 characters is the most)."""
    if min_chars < 1:
        raise InputError(f"ask for at least 1 character of held-out text, got {min_chars}")
    paragraphs = list(heldout_paragraphs(min_chars))
    text = "\n\n".join(paragraphs) + "\n"
    if len(text) < min_chars:
        raise DataError(
            f"this Python's standard library gives only {len(text):,} characters of held-out "
            f"prose; ask for at most that many (got {min_chars:,})"
        )
    return text
