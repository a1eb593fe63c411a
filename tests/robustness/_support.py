"""Helpers of the robustness tests: run the command line in this process, and check that a
failure is one line on stderr with exit code 2 and no traceback."""

from __future__ import annotations

import pytest


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `rnnlab ARGS` in this process: (exit code, stdout, stderr)."""
    from rnnlab.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, needle: str) -> None:
    """Exit code 2 and exactly one line on stderr, saying `needle`, with no traceback."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rnnlab: error: "), err
    assert needle in lines[0], lines[0]
