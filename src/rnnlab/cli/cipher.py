"""Commands: `rnnlab encrypt` and `rnnlab decrypt` with a classical cipher and its key.

Text comes from the TEXT argument, -i FILE or standard input; files and standard input are
streamed in chunks, so any size goes through in flat memory. The ciphers live in rnnlab.text.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli._app import app, echo, require_letters, text_pieces
from rnnlab.errors import InputError

# Kept literal so `rnnlab --help` need not import numpy; a test checks it against CIPHER_NAMES.
CIPHER_HELP = ("caesar (or shift), rot13, atbash, affine, vigenere, beaufort, autokey, "
               "substitution, columnar, railfence (these two move letters), playfair (pairs of "
               "letters, I and J merged); the last three read the text whole")  # fmt: skip
KEY_HELP = (
    "the key: caesar 3 (a negative shift as --key=-3 or --key -3); affine 5,8; "
    "vigenere LEMON; beaufort FORTIFICATION; autokey QUEENLY; substitution 26 letters or a "
    "keyword; columnar a keyword of 2-12 letters; railfence 2-10 rails; playfair a keyword or "
    "the 25 letters of a square; rot13 and atbash none"
)

TextArg = Annotated[
    str | None,
    typer.Argument(
        help="the text; leave out to read -i FILE or standard input "
        "(text starting with '-' goes after --)",
        show_default=False,
    ),
]
CipherOpt = Annotated[str, typer.Option("--cipher", "-c", help=CIPHER_HELP, show_default=False)]
KeyOpt = Annotated[str | None, typer.Option("--key", "-k", help=KEY_HELP, show_default=False)]
InputOpt = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="read the text from this UTF-8 file ('-' = stdin)"),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="write to this file (atomically) instead of stdout"),
]


@app.command()
def encrypt(
    cipher: CipherOpt,
    text: TextArg = None,
    key: KeyOpt = None,
    input_file: InputOpt = None,
    output: OutputOpt = None,
) -> None:
    """Encrypt text: letters A-Z/a-z are enciphered (case kept); everything else passes through.

    Example: rnnlab encrypt --cipher caesar --key 3 "and two"   prints   dqg wzr
    """
    _run(False, text, cipher, key, input_file, output)


@app.command()
def decrypt(
    cipher: CipherOpt,
    text: TextArg = None,
    key: KeyOpt = None,
    input_file: InputOpt = None,
    output: OutputOpt = None,
) -> None:
    """Decrypt text enciphered with a known cipher and key (the inverse of encrypt).

    Example: rnnlab decrypt --cipher caesar --key 3 "dqg wzr"   prints   and two
    """
    _run(True, text, cipher, key, input_file, output)


def _run(
    decrypt: bool,
    text: str | None,
    cipher: str,
    key: str | None,
    input_file: Path | None,
    output: Path | None,
) -> None:
    from rnnlab.text.ciphers import make_cipher

    c = make_cipher(cipher, key)  # a bad key fails before reading
    transform = (c.decrypt if decrypt else c.encrypt) if c.whole_text else c.stream(decrypt)
    if input_file is not None and output is not None and str(input_file) != "-":
        _check_not_same(input_file, output)
    pieces, name = text_pieces(text, input_file)
    verb = "decrypt" if decrypt else "encrypt"
    pieces = require_letters(pieces, name, verb, alphabet=string.ascii_letters, reader="the cipher")
    if text is not None:
        pieces = (p + "\n" for p in pieces)  # printed as a line, like echo
    if c.whole_text:  # a transposition moves letters across the whole text: read it whole
        pieces = iter([_whole(pieces, c.name)])
    _write(pieces, transform, output)


WHOLE_LIMIT = 1 << 28  # characters a transposition reads at once (about 1 GB of memory)


def _whole(pieces: Iterator[str], name: str) -> str:
    parts, n = [], 0
    for p in pieces:
        n += len(p)
        if n > WHOLE_LIMIT:
            raise InputError(
                f"{name} reads a text whole and takes at most {WHOLE_LIMIT:,} characters; "
                "split the text and encipher each part"
            )
        parts.append(p)
    return "".join(parts)


def _check_not_same(path: Path, output: Path) -> None:
    if path.exists() and output.exists() and os.path.samefile(path, output):
        raise InputError(
            f"-o {output} is the input file; choose another output path "
            "(the input is never overwritten)"
        )


def _write(pieces: Iterator[str], transform: Callable[[str], str], output: Path | None) -> None:
    """Each piece, transformed, to `output` (atomically) or to standard output as it comes."""
    if output is not None:
        from rnnlab.text._files import write_stream

        write_stream(output, pieces, transform)
        return
    for piece in pieces:
        echo(transform(piece), nl=False)
