"""The `rnnlab` command line: parse, call the library, print. No logic of its own.

`main` turns any RnnlabError (and missing or unreadable files) into one line on stderr and
exit code 2; `--debug` anywhere on the line shows the traceback instead. Ctrl-C exits with 130
and SIGTERM with 143, after the cleanups (temporary files removed, checkpoints kept).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from typer.exceptions import TyperException

from rnnlab.cli import bptt, cipher, crack, experiment, run, serve, use  # noqa: F401  (they register commands)
from rnnlab.cli._app import Stopped, app
from rnnlab.errors import RnnlabError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default: sys.argv[1:]) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    with _signals_raise():
        return _run(args, debug)


def _run(args: list[str], debug: bool) -> int:
    try:
        result = app(args=args, prog_name="rnnlab", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("rnnlab: aborted", file=sys.stderr)
        return 130
    except TyperException as e:
        if debug:
            raise
        e.show()
        return 2
    except (RnnlabError, OSError) as e:
        if debug:
            raise
        print(f"rnnlab: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except Stopped as e:
        what = "interrupted" if e.signum == signal.SIGINT else "terminated"
        print(f"rnnlab: {what}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("rnnlab: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: still one line unless asked
        if debug:
            raise
        print(
            f"rnnlab: internal error: {type(e).__name__}: {_one_line(e)} "
            "(run again with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
    return result if isinstance(result, int) else 0


def _one_line(e: BaseException) -> str:
    if isinstance(e, OSError) and e.filename and e.strerror:
        return f"{e.filename}: {e.strerror}"
    return " ".join(str(e).split()) or type(e).__name__


@contextmanager
def _signals_raise() -> Iterator[None]:
    """While a command runs in the main thread, Ctrl-C and SIGTERM raise Stopped (SIGTERM would
    otherwise end the process on the spot), so temporary files are removed, checkpoints kept,
    and the exit is one line."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_stopped) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def _raise_stopped(signum, frame) -> None:
    raise Stopped(signum)
