"""The Typer application and the helpers every command shares: reading text, failing cleanly.

Commands live in the sibling modules and register themselves on `app`; nothing here knows them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
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


class Stopped(BaseException):
    """Ctrl-C or SIGTERM while a command runs, raised in place of KeyboardInterrupt (which the
    command-line framework would swallow) so that every cleanup runs and main() exits with
    128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def read_text(path: Path) -> str:
    """The whole UTF-8 text of `path`, or an InputError saying why it cannot be read."""
    from rnnlab.text._files import read_utf8

    return read_utf8(path)


def text_argument(text: str | None, input_file: Path | None) -> str:
    """TEXT given on the command line, else the file given with -i, else standard input."""
    return "".join(text_pieces(text, input_file)[0])


def text_pieces(text: str | None, input_file: Path | None) -> tuple[Iterator[str], str]:
    """TEXT, else the file given with -i ('-' is standard input), else standard input, as an
    iterator of pieces of about a megabyte (files and pipes are streamed, never read whole),
    and the name of the source for messages. Errors about the file come before any piece."""
    from rnnlab.text._files import iter_utf8_chunks, open_utf8

    if text is not None and input_file is not None:
        raise InputError("give either TEXT or -i FILE, not both")
    if text is not None:
        return iter([text]), "TEXT"
    if input_file is not None and str(input_file) != "-":
        source = open_utf8(input_file)  # closed when the pieces end

        def pieces() -> Iterator[str]:
            with source:
                yield from iter_utf8_chunks(source, input_file)

        return pieces(), str(input_file)
    stdin = sys.stdin
    if stdin is None or (input_file is None and stdin.isatty()):
        raise InputError("no text given; pass TEXT, -i FILE, or pipe text on standard input")
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return iter_utf8_chunks(buffer, "standard input"), "standard input"
    # a text stream without bytes underneath (an embedding program's, or a test's)
    return iter(lambda: stdin.read(1 << 20), ""), "standard input"


HOLD_CHARS = 1 << 22  # text held back while looking for a first letter (4 Mi characters)


def require_letters(
    pieces: Iterable[str],
    name: str,
    verb: str,
    alphabet: str | None = None,
    reader: str = "",
    hint: str = "give text in that alphabet",
) -> Iterator[str]:
    """The pieces unchanged, once one of them holds a letter (one of `alphabet`'s, when given);
    until then they are held back, so that nothing is written for input that is empty, holds no
    letters, or holds only letters `reader` does not know. Those raise an InputError, at the end
    of the input or once HOLD_CHARS characters have gone by without a letter; `hint` ends the
    message about unknown letters."""
    letter = re.compile("[" + re.escape(alphabet) + "]" if alphabet else r"[^\W\d_]")
    held: list[str] = []
    size = 0
    found = False
    for piece in pieces:
        if found:
            yield piece
            continue
        held.append(piece)
        size += len(piece)
        if letter.search(piece):
            found = True
            yield from held
            held.clear()
        elif size > HOLD_CHARS:
            break
    if found:
        return
    text = "".join(held)
    if not text:
        raise InputError(f"{name} is empty; nothing to {verb}: give some text")
    what = f"in the first {size:,} characters" if size > HOLD_CHARS else ""
    if alphabet is None or not re.search(r"[^\W\d_]", text):
        raise InputError(
            f"{name} holds no letters {what}".rstrip()
            + f"; nothing to {verb}: give the text to {verb}"
        )
    raise InputError(
        f"{reader or 'this'} knows none of the letters in {name} {what}".rstrip()
        + f" (it knows {_ranges(alphabet)}); {hint}"
    )


def _ranges(chars: str, most: int = 12) -> str:
    """Characters as code point ranges: 'abcdxyz' -> 'a-d x-z' (at most `most` ranges)."""
    cps = sorted({ord(c) for c in chars})
    runs: list[list[int]] = []
    for c in cps:
        if runs and c == runs[-1][1] + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    parts = [chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs]
    return " ".join(parts[:most]) + (" ..." if len(parts) > most else "")


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
