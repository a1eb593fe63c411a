"""Long work as jobs: off the request thread, with progress, a time limit and a cancel switch;
its results are the library's."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from rnnlab.crack import crack
from rnnlab.experiments.vanishing_draws import measure
from rnnlab.nn.runs import load_run
from rnnlab.serve.jobs import BusyError, JobBoard
from rnnlab.text.corpus import default_text

CIPHERTEXT = "Wkh txlfn eurzq ira mxpsv ryhu wkh odcb grj, dqg wkh grj vohhsv rq."


def test_crack_answers_at_once_and_the_job_gives_the_librarys_result(client):
    t0 = time.monotonic()
    status, r = client.post("/api/crack", {"text": CIPHERTEXT, "time_limit": 5, "candidates": 3})
    assert status == 200 and time.monotonic() - t0 < 1.0  # the search runs off this request
    job = client.wait(r["job"])
    assert job["state"] == "done" and job["fraction"] == 1.0, job
    got = job["result"]
    want = crack(CIPHERTEXT, time_limit=5, candidates=3)
    assert (got["plaintext"], got["cipher"], got["key"]) == (
        want.best.plaintext, want.best.cipher, want.best.key)
    assert got["plaintext"].startswith("The quick brown fox") and len(got["candidates"]) == 3
    assert got["ambiguous"] == want.ambiguous


def test_a_crack_can_be_cancelled(client):
    text = "Xlmw mw e psrkiv qiwweki xs wspzi. " * 3
    status, r = client.post("/api/crack", {"text": text, "cipher": "substitution",
                                           "time_limit": 60})  # fmt: skip
    assert status == 200
    time.sleep(0.5)
    t0 = time.monotonic()
    assert client.post(f"/api/jobs/{r['job']}/cancel", {})[0] == 200
    job = client.wait(r["job"], timeout=20)
    assert job["state"] == "cancelled" and time.monotonic() - t0 < 10


def test_gradients_are_the_experiments_own_draws(client):
    body = {"cell": "gru", "hidden": 8, "init": "orthogonal", "steps": 20, "seeds": 3, "seed": 4}
    status, r = client.post("/api/gradients", body)
    assert status == 200
    res = client.wait(r["job"])["result"]
    logs, _, _ = measure(8, "orthogonal", 3, 20, 4)
    assert np.allclose(res["median"], np.median(logs["gru"], axis=0), atol=1e-3)
    assert np.allclose(res["low"], logs["gru"].min(0), atol=1e-3)
    assert res["t"] == list(range(1, 21)) and res["label"] == "GRU"


def test_training_from_the_page_saves_a_run_and_follows_it_live(client, runs_dir):
    body = {"cipher": "caesar", "key": "5", "epochs": 3, "name": "page-caesar5",
            "corpus": default_text()[:20_000]}  # fmt: skip
    status, r = client.post("/api/train", body)
    assert status == 200, r
    job = client.wait(r["job"], timeout=120)
    assert job["state"] == "done", job.get("error")
    assert job["live"]["records"] and job["live"]["losses"]
    assert job["result"]["run"] == "page-caesar5"
    run = load_run(runs_dir / "page-caesar5")
    assert run.config.cipher.key == "5"
    assert (runs_dir / ".corpora" / "page-caesar5.txt").is_file()
    assert "page-caesar5" in [x["name"] for x in client.get("/api/runs")[1]["runs"]]


def test_a_cancelled_training_keeps_its_run_and_one_trains_at_a_time(client, runs_dir):
    body = {"cipher": "vigenere", "key": "LEMON", "epochs": 200, "name": "page-cancelled"}
    status, r = client.post("/api/train", body)
    assert status == 200, r
    status, again = client.post("/api/train", {**body, "name": "page-second"})
    assert status == 429 and "already running" in again["error"]
    deadline = time.monotonic() + 60
    while not client.get(f"/api/jobs/{r['job']}")[1]["live"].get("records"):
        assert time.monotonic() < deadline, "no epoch ended within 60 s"
        time.sleep(0.2)
    client.post(f"/api/jobs/{r['job']}/cancel", {})
    job = client.wait(r["job"], timeout=60)
    assert job["state"] == "cancelled" and job["result"]["stopped"] == "interrupted"
    assert (runs_dir / "page-cancelled" / "model.safetensors").is_file()


def test_the_board_bounds_its_jobs_and_their_time():
    board = JobBoard(max_running=2)
    release = threading.Event()
    slow = [board.start("x", lambda job: release.wait(5) and {}, 10) for _ in range(2)]
    with pytest.raises(BusyError, match="2 jobs are running"):
        board.start("x", lambda job: {}, 10)
    release.set()
    while any(j.state == "running" for j in slow):
        time.sleep(0.01)

    def spin(job):
        while True:
            job.report(0.5, "spinning")
            time.sleep(0.01)

    timed = board.start("spin", spin, 0.3)
    deadline = time.monotonic() + 5
    while board.get(timed.id).state == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert timed.state == "cancelled" and "time limit" in timed.error
    failing = board.start("bad", lambda job: 1 / 0, 5)
    while failing.state == "running":
        time.sleep(0.01)
    assert failing.state == "failed" and "ZeroDivisionError" in failing.error
    assert all(j.state == "done" for j in slow)
