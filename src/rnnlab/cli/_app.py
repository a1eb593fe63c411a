"""The Typer application and the helpers every command shares: reading text, failing cleanly.

Commands live in the sibling modules and register themselves on `app`; nothing here knows them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rnnlab.errors import InputError

app = typer.Typer(
    name="rnnlab",
    help="Recurrent neural networks you can see into: exact BPTT, gradient experiments, "
    "and a character-level RNN that learns to decipher text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def read_text(path: Path) -> str:
    """The whole UTF-8 text of `path`, or an InputError saying why it cannot be read."""
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a text file")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None
    if b"\x00" in data[:8192]:
        raise InputError(f"{path} looks like a binary file; give a UTF-8 text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{path} is not UTF-8 text (bad byte at offset {e.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None


def text_argument(text: str | None, input_file: Path | None) -> str:
    """TEXT given on the command line, else the file given with -i, else standard input."""
    if text is not None and input_file is not None:
        raise InputError("give either TEXT or -i FILE, not both")
    if text is not None:
        return text
    if input_file is not None:
        if str(input_file) == "-":
            return sys.stdin.read()
        return read_text(input_file)
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("no text given; pass TEXT, -i FILE, or pipe text on standard input")
    return sys.stdin.read()


def echo(text: str = "", *, nl: bool = True) -> None:
    """Print to standard output, replacing characters the terminal's encoding cannot show."""
    out = sys.stdout
    try:
        out.write(text + ("\n" if nl else ""))
    except UnicodeEncodeError:
        enc = out.encoding or "utf-8"
        out.write((text + ("\n" if nl else "")).encode(enc, "replace").decode(enc))
    out.flush()


@app.callback()
def _root() -> None:
    """Recurrent neural networks you can see into. Add --debug to any command for tracebacks."""
