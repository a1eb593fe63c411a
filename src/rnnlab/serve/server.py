"""The HTTP side of `rnnlab serve`: one page and its assets from the package, and a JSON API.

It refuses what it must and stays up: bodies over a size limit (413), POSTs that are not JSON
(415, which also keeps other sites' forms out), a Host header that is not this machine's while
bound to the loopback address (403, against DNS rebinding), unknown paths (404). Bad input is a
400 with {"error": message}; a failure inside is a 500 with its message, and the next request is
served as before. Long work runs as jobs (jobs.py), never on the request's thread.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from rnnlab.errors import InputError, RnnlabError
from rnnlab.serve import api, work
from rnnlab.serve.jobs import BusyError, JobBoard

MAX_BODY = 4 << 20  # bytes of a request body
MAX_TRAIN_BODY = 40 << 20  # bytes of a training request, which may carry a corpus
DRAIN = 64 << 20  # bytes of a refused body read (and dropped) so the client hears why
LOCAL_NAMES = {"localhost", "localhost.localdomain"}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}  # fmt: skip
# the page loads nothing from anywhere else, and the browser is told to refuse it if asked
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
JOB_PATH = re.compile(r"/api/jobs/([0-9a-f]{16})(/cancel)?")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback: localhost, 127.x, ::1."""
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_allowed(name: str, local: bool) -> bool:
    """Bound to loopback: only loopback names and addresses. Bound wider: also any address
    literal and this machine's own names; never another name (DNS rebinding)."""
    if is_loopback(name):
        return True
    if local:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return name.lower() in {socket.gethostname().lower(), socket.getfqdn().lower()}


def finite(obj):
    """`obj` with every NaN or infinity (float or numpy) made None, for strict JSON."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def static_files() -> dict[str, bytes]:
    """The page's assets, by the path they are served at: '/' and '/static/NAME'."""
    folder = resources.files("rnnlab.serve") / "static"
    files = {f"/static/{f.name}": f.read_bytes() for f in folder.iterdir() if f.is_file()
             and Path(f.name).suffix in TYPES}  # fmt: skip
    files["/"] = files["/static/index.html"]
    return files


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], runs: Path, log: Callable[[str], None]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.site, self.board, self.log = api.Site(runs), JobBoard(), log
        self.files = static_files()
        self.local = is_loopback(address[0])
        super().__init__(address, Handler)

    def server_close(self) -> None:
        self.board.cancel_all()
        self.board.join(timeout=20.0)  # a cancelled training saves its run before it ends
        super().server_close()


class Handler(BaseHTTPRequestHandler):
    server: Server
    timeout = 60  # seconds a client may take to send its request
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        path = self.path.split("?", 1)[0]
        self._drain()  # a GET's body, if any, is never the next request
        if not self._host_ok():
            return
        try:
            self._get(path)
        except Exception as e:  # the server stays up and says what failed
            self.server.log(f"error on {path}: {type(e).__name__}: {e}")
            self._error(500, f"internal error: {type(e).__name__}: {e}")

    def _get(self, path: str) -> None:
        if path in self.server.files:
            return self._send(200, self.server.files[path], TYPES[Path(path).suffix or ".html"])
        site = self.server.site
        if path == "/api/runs":
            return self._json(200, {"folder": str(site.runs), "runs": site.list_runs()})
        if path == "/api/info":
            return self._json(200, _info())
        if path == "/api/jobs":  # the running jobs, so that a reloaded page finds its own
            return self._json(200, {"jobs": self.server.board.running()})
        m = JOB_PATH.fullmatch(path)
        if m and not m.group(2):
            job = self.server.board.get(m.group(1))
            return self._json(200, job.to_json()) if job else self._error(404, "no such job")
        self._error(404, f"nothing at {path[:80]}")

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if not self._host_ok():
            return
        m = JOB_PATH.fullmatch(path)
        if m and m.group(2):
            if self._body(MAX_BODY) is None:  # JSON, as every POST
                return
            job = self.server.board.cancel(m.group(1))
            return self._json(200, job.to_json()) if job else self._error(404, "no such job")
        routes = {"/api/decipher": lambda b: api.decipher(self.server.site, b),
                  "/api/bptt": api.bptt,
                  "/api/crack": lambda b: self._start("crack", work.crack_work(b)),
                  "/api/train": lambda b: self._start(
                      "train", work.train_work(self.server.site, b), alone=True),
                  "/api/gradients": lambda b: self._start(
                      "gradients", work.gradients_work(b))}  # fmt: skip
        if path not in routes:
            self._drain()  # left unread, the body would be read as the next request
            return self._error(404, f"nothing at {path[:80]}")
        body = self._body(MAX_TRAIN_BODY if path == "/api/train" else MAX_BODY)
        if body is None:
            return
        try:
            self._json(200, routes[path](body))
        except BusyError as e:
            self._error(429, str(e))
        except RnnlabError as e:
            self._error(400, str(e))
        except Exception as e:  # the server stays up and says what failed
            self.server.log(f"error on {path}: {type(e).__name__}: {e}")
            self._error(500, f"internal error: {type(e).__name__}: {e}")

    def do_PUT(self) -> None:  # noqa: N802
        self._drain()
        self._error(405, "use GET or POST")

    do_DELETE = do_PATCH = do_PUT

    def _start(self, kind: str, planned: work.Planned, alone: bool = False) -> dict:
        job = self.server.board.start(kind, planned[0], planned[1], alone=alone)
        return {"job": job.id}

    def _host_ok(self) -> bool:
        """Only requests addressed to this machine (see _host_allowed)."""
        host = (self.headers.get("Host") or "").strip()
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        if not _host_allowed(name, self.server.local):
            self._drain()
            self._error(403, f"this server does not answer to the name {name[:60]!r}; open it "
                             "as localhost or by its address")  # fmt: skip
            return False
        return True

    def _body(self, limit: int) -> dict | None:
        """The request's JSON object, or None after answering with the error."""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        size = self.headers.get("Content-Length")
        if size is None or not (size.isascii() and size.isdigit()):
            self.close_connection = True
            self._error(411, "a POST needs a Content-Length")
            return None
        if int(size) > limit:
            self._drain()  # read and dropped, so the client hears why; a huge one is left unread
            self._error(413, f"the request is {int(size):,} bytes; the limit is {limit:,}")
            return None
        raw = self.rfile.read(int(size))
        if kind != "application/json":
            self._error(415, "send the request as JSON (Content-Type: application/json)")
            return None
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (UnicodeDecodeError, ValueError) as e:
            self._error(400, f"the request is not valid JSON: {e}")
            return None
        if not isinstance(body, dict):
            self._error(400, "the request must be a JSON object")
            return None
        return body

    def _drain(self) -> None:
        """Read and drop the request's body (up to DRAIN bytes; past that, close)."""
        size = self.headers.get("Content-Length") or "0"
        if not (size.isascii() and size.isdigit()) or int(size) > DRAIN:
            self.close_connection = True
            return
        left = int(size)
        while left > 0 and (chunk := self.rfile.read(min(left, 1 << 20))):
            left -= len(chunk)

    def _json(self, status: int, obj: dict) -> None:
        data = json.dumps(finite(obj), ensure_ascii=False, allow_nan=False, default=_plain)
        data = data.encode()
        self._send(status, data, "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message, "status": status})

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the standard name)
        self.server.log(f"{self.address_string()} {format % args}")


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows; give a finite number")


def _plain(value):
    """NaN-free JSON for numbers numpy or training produced."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return v if v == v and abs(v) != float("inf") else None


def _info() -> dict:
    """What the page's forms offer: ciphers, crack families, cells, initialisations."""
    from rnnlab.crack.core import FAMILIES
    from rnnlab.experiments.vanishing import CELL_LABELS, INIT_LABELS
    from rnnlab.text.ciphers.keys import ALL_NAMES, WHOLE_TEXT

    trainable = [c for c in ALL_NAMES if c not in WHOLE_TEXT]  # those are cracked, not trained
    return {"ciphers": trainable, "families": list(FAMILIES), "cells": CELL_LABELS,
            "inits": INIT_LABELS, "limits": {"crack_seconds": work.MAX_CRACK_SECONDS,
            "train_seconds": work.MAX_TRAIN_SECONDS, "bptt_steps": api.MAX_BPTT_STEPS}}  # fmt: skip


def make_server(host: str, port: int, runs: Path, log: Callable[[str], None] | None = None):
    """A server bound to (host, port) serving the runs folder `runs`; port 0 takes a free one.
    Refuses a folder that exists and is not a folder."""
    runs = Path(runs)
    if runs.exists() and not runs.is_dir():
        raise InputError(f"{runs} is not a folder; give --runs a folder of runs")
    try:
        return Server((host, port), runs, log or (lambda _: None))
    except OSError as e:
        raise InputError(f"cannot listen on {host}:{port} ({e.strerror}); choose another "
                         "--port, or stop what is using it") from None  # fmt: skip
