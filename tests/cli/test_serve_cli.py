"""`rnnlab serve`: it says where it listens, answers, stops on Ctrl-C, and refuses bad options
with one line and exit code 2."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from rnnlab.cli import main


def test_serve_says_where_it_listens_answers_and_stops_on_ctrl_c(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnlab", "serve", "--port", "0", "--runs", str(tmp_path),
         "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"rnnlab serves {tmp_path} at http://127.0.0.1:"), line
        url = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url + "api/runs", timeout=10) as r:
            assert json.loads(r.read()) == {"folder": str(tmp_path), "runs": []}
        with urllib.request.urlopen(url, timeout=10) as r:
            assert b"<title>rnnlab</title>" in r.read()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 128 + signal.SIGINT
    finally:
        proc.kill()
        proc.wait()
    assert "Traceback" not in proc.stderr.read()


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--port", "70000"], "--port must be 0 to 65535"), (["--runs", "FILE"], "is not a folder")],
)
def test_serve_refuses_bad_options(capsys, tmp_path, args, words):
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / "FILE") if a == "FILE" else a for a in args]
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


def test_serve_refuses_a_port_in_use(capsys, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port), "--runs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "another --port" in err
