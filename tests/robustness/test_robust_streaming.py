"""Huge input: `rnnlab encrypt -i FILE` and `rnnlab decipher -i FILE` stream in flat memory,
with or without newlines, write output as it is produced, and leave nothing behind when stopped.
benchmarks/huge_input.py measures the same at 1 GB; the slow tests here run hundreds of MB."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from rnnlab.cli import main

WORDS = "wkh txlfn eurzq ira mxpsv ryhu wkh odcb grj. dqg wzr, rqh! "


def _no_newline_file(path: Path, size: int) -> Path:
    block = (WORDS * (1 + (1 << 16) // len(WORDS))).encode()[: 1 << 16]
    with path.open("wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
    return path


class _Sink:
    """A stdout that keeps nothing, so that memory measured is the command's own."""

    encoding = "utf-8"

    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


def _peak_bytes(argv: list[str]) -> int:
    """Peak of Python and numpy allocations while `rnnlab ARGV` runs in this process."""
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(_Sink()):
            assert main(argv) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_encrypt_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = _no_newline_file(tmp_path / "small.txt", 2 << 20)
    big = _no_newline_file(tmp_path / "big.txt", 16 << 20)
    args = ["encrypt", "-c", "caesar", "-k", "3", "-o", str(tmp_path / "out.txt"), "-i"]
    peak_small, peak_big = _peak_bytes([*args, str(small)]), _peak_bytes([*args, str(big)])
    assert peak_big < peak_small + (4 << 20)  # 14 MiB more input, no more memory
    assert (tmp_path / "out.txt").stat().st_size == big.stat().st_size


def test_decipher_memory_does_not_grow_with_the_file(tmp_path: Path, tiny_run: Path) -> None:
    import torch

    small = _no_newline_file(tmp_path / "small.txt", 1 << 20)
    big = _no_newline_file(tmp_path / "big.txt", 4 << 20)
    threads = torch.get_num_threads()
    try:
        args = ["decipher", "-m", str(tiny_run), "--threads", "1", "-i"]
        peak_small, peak_big = _peak_bytes([*args, str(small)]), _peak_bytes([*args, str(big)])
    finally:
        torch.set_num_threads(threads)
    assert peak_big < peak_small + (2 << 20)  # 3 MiB more input, no more memory


def _rnnlab(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rnnlab", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _read_some(stream, timeout: float) -> bytes:
    ready, _, _ = select.select([stream], [], [], timeout)
    return os.read(stream.fileno(), 1 << 20) if ready else b""


def test_encrypt_writes_each_piece_before_the_input_ends() -> None:
    proc = _rnnlab("encrypt", "-c", "caesar", "-k", "3")
    try:
        proc.stdin.write(b"attack at dawn\n")
        proc.stdin.flush()
        assert _read_some(proc.stdout, timeout=60) == b"dwwdfn dw gdzq\n"  # input still open
        proc.stdin.write(b"and two")
        proc.stdin.close()
        assert proc.stdout.read() == b"dqg wzr" and proc.wait(timeout=60) == 0
    finally:
        proc.kill()


def test_decipher_writes_output_before_the_input_ends(tiny_run: Path) -> None:
    import threading

    proc = _rnnlab("decipher", "-m", str(tiny_run), "--threads", "1")
    piece = (WORDS * 4000).encode()  # 240 kB, no newline
    done_writing = threading.Event()

    def write() -> None:  # about 2 MB, then hold the input open until output was seen
        for _ in range(8):
            proc.stdin.write(piece)
            proc.stdin.flush()
        done_writing.wait(timeout=120)
        proc.stdin.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    got = b""
    try:
        while len(got) < 4 * len(piece):  # half of it out while the input is still open
            chunk = _read_some(proc.stdout, timeout=120)
            assert chunk, "no output while the input was still open"
            got += chunk
        done_writing.set()  # only now does the input end
        got += proc.stdout.read()
        assert proc.wait(timeout=60) == 0
        assert len(got) == 8 * len(piece)  # every character out, one for one
    finally:
        done_writing.set()
        proc.kill()


def test_sigterm_while_writing_a_file_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    proc = _rnnlab("encrypt", "-c", "rot13", "-o", str(out))
    proc.stdin.write(b"half of the text ")
    proc.stdin.flush()
    end = time.monotonic() + 60
    while not list(tmp_path.glob(".out.txt.*.tmp")) and time.monotonic() < end:
        time.sleep(0.01)  # the temporary output file is open: the command is mid-stream
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.decode().strip() == "rnnlab: terminated"
    assert list(tmp_path.iterdir()) == []  # no output file, no temporary file


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    src = _no_newline_file(tmp_path / "in.txt", 4 << 20)  # more than a pipe holds
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnlab", "encrypt", "-c", "rot13", "-i", str(src)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()  # like `rnnlab encrypt ... | head -c 10`
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and b"Traceback" not in err and b"Error" not in err, err


@pytest.mark.slow
def test_decipher_of_a_large_file_without_newlines_stays_under_500_mb(
    tmp_path: Path, tiny_run: Path
) -> None:
    src = _no_newline_file(tmp_path / "big.txt", 64 << 20)
    argv = ["decipher", "-m", str(tiny_run), "--threads", "1", "-i", str(src)]
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnnlab", *argv],
            stdout=devnull,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read()
    assert usage.ru_maxrss < 500 * 1024  # KiB
