"""Command: `rnnlab serve`, the local web page. Parses, starts the server (rnnlab.serve), prints
where it listens; Ctrl-C stops it and every job it runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli._app import app, echo


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on (this machine alone by default)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on (0: any free one)")] = 8616,
    runs: Annotated[Path, typer.Option(help="the runs folder the page reads and trains into")]
    = Path("runs"),
    quiet: Annotated[bool, typer.Option(help="do not log each request on stderr")] = False,
) -> None:
    """Serve the local web page: decipher, crack, train, the BPTT explorer and gradients.

    Example: rnnlab serve, then open http://127.0.0.1:8616/ in a browser.
    """
    from rnnlab.errors import InputError
    from rnnlab.serve import make_server
    from rnnlab.serve.server import is_loopback

    if not 0 <= port <= 65535:
        raise InputError(f"--port must be 0 to 65535; got {port}")
    log = (lambda _: None) if quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    server = make_server(host, port, runs, log)
    name = f"[{host}]" if ":" in host else host
    echo(f"rnnlab serves {runs.resolve()} at http://{name}:{server.server_address[1]}/ "
         "(Ctrl-C stops it)")  # fmt: skip
    if not is_loopback(host):
        print(f"warning: listening on {host}, so other machines can reach this page and train "
              "on this one; use the default --host 127.0.0.1 to keep it to yourself",
              file=sys.stderr)  # fmt: skip
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
