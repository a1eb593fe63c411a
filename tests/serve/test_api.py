"""The server's JSON API: the same numbers as the command line and the library, clear 4xx
errors for bad input, and the limits that keep it from harm."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from rnnlab.nn.decode import Decipherer
from rnnlab.nn.runs import load_run
from rnnlab.serve import server as server_module
from rnnlab.text.ciphers import make_cipher

from .conftest import RUN

PLAIN = "The quick brown fox jumps over the lazy dog. It was the best of times."
EXAMPLE = {"wh": 1, "wx": 0.1, "wy": 2, "h0": 1, "x": [10, 10], "y": [5, 5]}


def test_the_runs_folder_lists_the_trained_run(client, runs_dir):
    status, r = client.get("/api/runs")
    assert status == 200 and r["folder"] == str(runs_dir.resolve())
    (run,) = [x for x in r["runs"] if x["name"] == RUN]
    assert (run["kind"], run["cipher"], run["key"]) == ("decipher", "caesar", "3")


def test_decipher_gives_what_the_library_gives(client, runs_dir):
    cipher = make_cipher("caesar", "3").encrypt(PLAIN)
    status, r = client.post("/api/decipher", {"run": RUN, "text": cipher})
    assert status == 200, r
    s = Decipherer.from_run(load_run(runs_dir / RUN)).stream(confidence=True)
    out = [s.feed(cipher), s.close()]
    assert r["plaintext"] == "".join(o for o, _ in out) == PLAIN
    expected = np.concatenate([c for _, c in out])
    assert np.allclose(r["confidence"], expected, atol=1e-4)
    assert len(r["confidence"]) == len(r["plaintext"]) and r["unlike"] is False


def test_decipher_says_when_the_text_is_unlike_the_training_data(client):
    text = "Ωμέγα " * 40 + make_cipher("caesar", "3").encrypt("a short line")
    status, r = client.post("/api/decipher", {"run": RUN, "text": text})
    assert status == 200 and r["unlike"] is True
    assert r["note"].startswith("this text looks unlike") and r["unknown_share"] > 0.5


def test_the_bptt_numbers_are_those_of_the_command_line(client):
    status, r = client.post("/api/bptt", EXAMPLE)
    assert status == 200, r
    cli = subprocess.run(
        [sys.executable, "-m", "rnnlab", "bptt", "--wh", "1", "--wx", "0.1", "--wy", "2",
         "--h0", "1", "--x", "10", "10", "--y", "5", "5", "--format", "json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert r["numbers"] == json.loads(cli.stdout)
    assert r["numbers"]["grad"]["W_h"] == pytest.approx(8.0) and r["numbers"]["loss"] == 2.0
    w_h = r["paths"]["params"]["W_h"]
    assert w_h["total"] == "8" and sum(float(t["value"]) for t in w_h["terms"]) == pytest.approx(8)
    assert {(t["t"], t["k"]) for t in w_h["terms"]} == {(1, 1), (2, 1), (2, 2)}
    for term in w_h["terms"]:  # each term is the product of its chain-rule factors
        assert np.prod(term["factors"]) == pytest.approx(float(term["value"]))
    assert r["symbolic"]["grads"]["W_h"]["value"] == "8"


def test_a_gru_spec_is_explored_without_symbolic_form(client):
    spec = {"cell": "gru", "params": {n: [[0.5]] for n in ("W_hr", "W_hz", "W_hn", "W_xr",
            "W_xz", "W_xn", "W_y")}, "x": [1, 2, 3], "y": [0.5, 0.1, 0.2]}  # fmt: skip
    status, r = client.post("/api/bptt", {"spec": spec})
    assert status == 200, r
    assert r["cell"] == "gru" and r["steps"] == 3 and "reason" in r["symbolic"]
    assert len(r["paths"]["params"]["W_hr"]["terms"]) == 6  # (t, k) with k <= t <= 3


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/bptt", {**EXAMPLE, "x": "ten"}, 400, "list of numbers"),
        ("/api/bptt", {**EXAMPLE, "wh": True}, 400, "must be a float"),
        ("/api/bptt", {**EXAMPLE, "x": [1] * 13, "y": [1] * 13}, 400, "at most 12 steps"),
        ("/api/bptt", {"spec": {"cell": "elman"}}, 400, "unknown cell"),
        ("/api/decipher", {"run": "../../etc", "text": "abc"}, 400, "not a run name"),
        ("/api/decipher", {"run": "..", "text": "abc"}, 400, "not a run name"),
        ("/api/decipher", {"run": "nope", "text": "abc"}, 400, "no run named"),
        ("/api/decipher", {"run": RUN, "text": "123 456"}, 400, "no letters"),
        ("/api/decipher", {"run": RUN}, 400, "missing 'text'"),
        ("/api/crack", {"text": "abc", "cipher": "enigma"}, 400, "unknown cipher"),
        ("/api/crack", {"text": "abc", "time_limit": 1e6}, 400, "between"),
        ("/api/train", {"cipher": "caesar", "key": "3", "name": "a/b"}, 400, "not a run name"),
        ("/api/train", {"cipher": "caesar", "key": "3", "name": RUN}, 400, "already holds"),
        ("/api/train", {"cipher": "caesar", "key": "banana"}, 400, "key"),
        ("/api/gradients", {"cell": "rnn", "hidden": 100000}, 400, "between"),
        ("/api/nothing", {}, 404, "nothing at"),
    ],
)
def test_bad_input_gets_a_clear_4xx_message(client, path, body, status, words):
    got, r = client.post(path, body)
    assert got == status and words in r["error"], r
    assert client.get("/api/info")[0] == 200  # and the server stays up


def test_a_link_out_of_the_runs_folder_is_refused(client, runs_dir, tmp_path):
    outside = tmp_path / "outside"
    (outside).mkdir()
    (runs_dir / "sneaky").symlink_to(outside, target_is_directory=True)
    try:
        status, r = client.post("/api/decipher", {"run": "sneaky", "text": "abc"})
        assert status == 400 and "not inside the runs folder" in r["error"]
        assert "sneaky" not in [x["name"] for x in client.get("/api/runs")[1]["runs"]]
    finally:
        (runs_dir / "sneaky").unlink()


def test_the_server_refuses_what_it_must(client):
    plain = {"Content-Type": "text/plain"}  # what another site's form could send
    assert client.request("POST", "/api/bptt", raw=b"{}", headers=plain)[0] == 415
    status, r = client.request("POST", "/api/bptt", raw=b"{not json")
    assert status == 400 and "not valid JSON" in r["error"]
    status, r = client.request("POST", "/api/bptt", raw=b"[1, 2]")
    assert status == 400 and "JSON object" in r["error"]
    big = b'{"text": "' + b"a" * (server_module.MAX_BODY + 10) + b'"}'
    status, r = client.request("POST", "/api/decipher", raw=big)
    assert status == 413 and "limit" in r["error"]
    status, r = client.request("GET", "/", headers={"Host": "attacker.example:8616"})
    assert status == 403
    assert client.request("GET", "/", headers={"Host": "localhost:8616"})[0] == 200
    assert client.request("DELETE", "/api/runs")[0] == 405
    assert client.get("/static/../pyproject.toml")[0] == 404
    assert client.get("/api/jobs/0123456789abcdef")[0] == 404


def test_the_page_loads_nothing_from_anywhere_else(client, server):
    files = server_module.static_files()
    assert {"/", "/static/app.js", "/static/style.css"} <= set(files)
    outside = re.compile(rb"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(", re.I)
    for path in files:
        status, body = client.get(path)
        assert status == 200 and body == files[path]
        assert not outside.search(body), f"{path} refers to {outside.search(body).group(0)!r}"
    imports = re.findall(rb'(?:from|import) "([^"]+)"', files["/static/app.js"])
    assert imports and all(i.startswith(b"/static/") for i in imports)


def test_requests_at_once_do_not_corrupt_one_another(client):
    cipher = make_cipher("caesar", "3")
    texts = [f"{PLAIN} Message {i} of many, {'and more ' * i}" for i in range(12)]
    spec = [{**EXAMPLE, "wh": float(i)} for i in range(12)]
    alone_d = [client.post("/api/decipher", {"run": RUN, "text": cipher.encrypt(t)})[1]
               for t in texts[:3]]  # fmt: skip
    alone_b = [client.post("/api/bptt", s)[1]["numbers"] for s in spec]
    with ThreadPoolExecutor(8) as pool:
        d = list(pool.map(lambda t: client.post("/api/decipher",
                                                {"run": RUN, "text": cipher.encrypt(t)}), texts))
        b = list(pool.map(lambda s: client.post("/api/bptt", s), spec))
    assert [r["plaintext"] for _, r in d] == texts
    assert [r for _, r in d[:3]] == alone_d
    assert [r["numbers"] for _, r in b] == alone_b


@pytest.mark.parametrize(
    ("path", "raw", "words"),
    [
        ("/api/crack", b'{"text": "Wkh grj", "time_limit": NaN}', "not a number JSON allows"),
        ("/api/bptt", b'{"wh": Infinity, "wx": 1, "wy": 1, "x": [1], "y": [1]}', "JSON allows"),
        ("/api/bptt", b'{"wh": 1e200, "wx": 1e200, "wy": 1e200, "x": [1e200, 1e200], '
                      b'"y": [1, 1]}', "overflow"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(client, path, raw, words):
    status, r = client.request("POST", path, raw=raw)
    assert status == 400 and words in r["error"], r


def test_the_explorer_refuses_networks_too_big_to_draw(client):
    W = [[0.1] * 9 for _ in range(9)]
    spec = {"params": {"W_h": W, "W_x": [[0.1]] * 9, "W_y": [[0.1] * 9]}, "x": [1, 2], "y": [1, 2]}
    status, r = client.post("/api/bptt", {"spec": spec})
    assert status == 400 and "up to 8 units" in r["error"]


def test_a_refused_body_is_never_read_as_the_next_request(client):
    smuggled = b"GET /api/info HTTP/1.1\r\nHost: localhost\r\n\r\n"
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
    for path in ("/api/nothing", "/api/runs"):  # a POST to nowhere, and a GET with a body
        method = "POST" if path == "/api/nothing" else "GET"
        conn.request(method, path, body=smuggled, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        conn.request("GET", "/api/runs")  # the same connection: answered as itself
        r = conn.getresponse()
        assert "runs" in json.loads(r.read())
    conn.close()


def test_an_odd_content_length_is_refused_not_crashed_on(client):
    with socket.create_connection(("127.0.0.1", client.port), timeout=30) as s:
        s.sendall("POST /api/bptt HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                  "\r\nContent-Length: ²\r\n\r\n".encode("latin-1"))  # fmt: skip
        assert b" 411 " in s.recv(4096).split(b"\r\n")[0] + b" "


def test_the_host_check(client):
    assert server_module.is_loopback("127.0.0.2") and server_module.is_loopback("::1")
    assert server_module.is_loopback("localhost") and not server_module.is_loopback("10.0.0.1")
    allowed = server_module._host_allowed
    assert allowed("127.0.0.1", local=True) and not allowed("192.168.1.9", local=True)
    assert allowed("192.168.1.9", local=False) and not allowed("rebind.example", local=False)
    assert client.request("GET", "/", headers={"Host": "[::1]:8616"})[0] == 200


def test_the_runs_listing_skips_what_it_cannot_read(client, runs_dir):
    bad = runs_dir / "broken"
    spaced = runs_dir / "my run"
    for d, config in ((bad, "[]"), (spaced, json.dumps({"kind": "decipher"}))):
        d.mkdir()
        (d / "config.json").write_text(config)
        (d / "model.safetensors").write_bytes(b"x")
    try:
        status, r = client.get("/api/runs")
        assert status == 200
        names = [x["name"] for x in r["runs"]]
        assert RUN in names and "broken" not in names and "my run" not in names
    finally:
        for d in (bad, spaced):
            shutil.rmtree(d)


def test_decipher_gives_one_confidence_a_code_point(client):
    text = make_cipher("caesar", "3").encrypt("The 😀 dog")
    status, r = client.post("/api/decipher", {"run": RUN, "text": text})
    assert status == 200 and r["plaintext"] == "The 😀 dog"
    assert len(r["confidence"]) == len(r["plaintext"]) == 9
