"""Reading UTF-8 text with actionable errors, whole or streamed in chunks, and writing a stream
of text atomically (the atomic writes themselves live in rnnlab.fileio and are re-exported).

Shared by the text modules and the commands; it knows nothing about ciphers or corpora.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from rnnlab.errors import InputError
from rnnlab.fileio import atomic_output, atomic_write_text

__all__ = [
    "atomic_output",
    "atomic_write_text",
    "iter_utf8_chunks",
    "open_utf8",
    "read_utf8",
    "write_stream",
]

CHUNK_BYTES = 1 << 20  # 1 MiB


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a text file")


def _not_utf8(path: Path | str, offset: int) -> InputError:
    return InputError(
        f"{path} is not UTF-8 text (bad byte at offset {offset}); "
        "convert it, e.g. iconv -f latin1 -t utf-8"
    )


def _binary(path: Path | str) -> InputError:
    return InputError(
        f"{path} looks like a binary file (it holds NUL bytes); give a UTF-8 text file"
    )


def open_utf8(path: str | os.PathLike[str]) -> BinaryIO:
    """`path` opened to read its bytes, or an InputError: missing, a folder, no permission."""
    path = Path(path)
    _check_readable(path)
    try:
        return path.open("rb")
    except PermissionError:
        raise InputError(f"{path}: permission denied; check the file's permissions") from None


def read_utf8(path: str | os.PathLike[str]) -> str:
    """The whole text of a UTF-8 file (a leading byte-order mark dropped), or an InputError that
    says why it cannot be read: missing, a folder, no permission, binary, not UTF-8."""
    path = Path(path)
    with open_utf8(path) as f:
        data = f.read()
    if b"\x00" in data[:8192]:
        raise _binary(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _not_utf8(path, e.start) from None


def iter_utf8_chunks(
    source: BinaryIO, name: str | os.PathLike[str], chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """The text of a UTF-8 byte stream in pieces of about `chunk_bytes` bytes, decoded
    incrementally so a character split between reads is never broken and memory stays flat.
    Every character is kept, a byte-order mark included. Raises InputError naming `name` and
    the byte offset of the first invalid byte."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    consumed = 0  # bytes handed to the decoder so far
    first = True
    # read1 hands over what a pipe holds now instead of waiting for a full chunk
    read = getattr(source, "read1", source.read)
    while True:
        data = read(chunk_bytes)
        final = not data
        if first and b"\x00" in data[:8192]:
            raise _binary(name)
        first = False
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as e:
            raise _not_utf8(name, consumed - pending + e.start) from None
        consumed += len(data)
        if text:
            yield text
        if final:
            return


def write_stream(
    path: str | os.PathLike[str], pieces: Iterator[str], transform: Callable[[str], str]
) -> int:
    """Write transform(piece) for each piece to `path` atomically; returns characters written."""
    n = 0
    with atomic_output(path) as f:
        for piece in pieces:
            out = transform(piece)
            f.write(out.encode("utf-8", "surrogateescape"))
            n += len(out)
    return n
