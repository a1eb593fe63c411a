"""A server on a free port over a runs folder holding one small trained decipherer, and a
client that speaks to it as a page would."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import pytest

from rnnlab.nn import jobs, recipes
from rnnlab.serve import make_server

RUN = "caesar-small"


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    """A runs folder with one Caesar(3) decipherer, trained to 100% on a few hundred phrases."""
    root = tmp_path_factory.mktemp("runs")
    config = recipes.decipher_config(cipher="caesar", key="3", limit=800, epochs=30,
                                     target_accuracy=1.0, seed=0)  # fmt: skip
    res = jobs.train_run(config, root / RUN)
    assert res.val_accuracy == pytest.approx(1.0), "the fixture's model did not learn"
    return root


class Client:
    def __init__(self, port: int) -> None:
        self.port = port

    def request(self, method: str, path: str, body=None, headers=None, raw: bytes | None = None):
        """(status, decoded JSON or the bytes) of one request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers={**hdrs, **(headers or {})})
        r = conn.getresponse()
        payload = r.read()
        conn.close()
        kind = r.getheader("Content-Type") or ""
        return r.status, json.loads(payload) if kind.startswith("application/json") else payload

    def post(self, path: str, body):
        return self.request("POST", path, body)

    def get(self, path: str):
        return self.request("GET", path)

    def wait(self, job: str, timeout: float = 60.0) -> dict:
        """Poll job `job` until it ends; its last state."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            status, j = self.get(f"/api/jobs/{job}")
            assert status == 200, j
            if j["state"] != "running":
                return j
            time.sleep(0.05)
        raise AssertionError(f"job {job} still running after {timeout} s")


@pytest.fixture(scope="session")
def server(runs_dir):
    srv = make_server("127.0.0.1", 0, runs_dir)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)  # fmt: skip
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="session")
def client(server) -> Client:
    return Client(server.server_address[1])
