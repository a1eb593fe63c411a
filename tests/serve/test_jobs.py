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
    assert status == 200 and time.monotonic() - t0 < 3.0  # the search runs off this request
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


def _until(done, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < end, "still waiting after the deadline"
        time.sleep(0.01)


def test_a_training_cancelled_before_its_first_epoch_still_reads_as_json(client, runs_dir):
    body = {"cipher": "vigenere", "key": "LEMON", "epochs": 200, "name": "page-early"}
    status, r = client.post("/api/train", body)
    assert status == 200, r
    listed = client.get("/api/jobs")[1]["jobs"]
    assert {"id": r["job"], "kind": "train"}.items() <= next(
        j for j in listed if j["id"] == r["job"]).items()
    client.post(f"/api/jobs/{r['job']}/cancel", {})
    job = client.wait(r["job"], timeout=60)  # every poll answers, NaN accuracy or not
    assert job["state"] == "cancelled" and job["result"]["stopped"] == "interrupted"
    assert job["result"]["val_accuracy"] is None or 0 <= job["result"]["val_accuracy"] <= 1
    assert r["job"] not in [j["id"] for j in client.get("/api/jobs")[1]["jobs"]]


def test_a_refused_training_writes_nothing(client, runs_dir):
    before = sorted(p.name for p in runs_dir.rglob("*"))
    status, r = client.post("/api/train", {"cipher": "caesar", "key": "x", "name": "nothing",
                                           "corpus": default_text()[:5000]})  # fmt: skip
    assert status == 400 and "whole number" in r["error"]
    assert sorted(p.name for p in runs_dir.rglob("*")) == before


def test_the_gradients_refuse_work_past_their_budget(client):
    status, r = client.post("/api/gradients", {"cell": "lstm", "hidden": 256, "steps": 500,
                                               "seeds": 50})  # fmt: skip
    assert status == 400 and "would take about" in r["error"]


def test_the_board_bounds_its_jobs_and_their_time():
    board = JobBoard(max_running=2)
    release = threading.Event()
    slow = [board.start("x", lambda job: release.wait(5) and {}, 10) for _ in range(2)]
    with pytest.raises(BusyError, match="2 jobs are running"):
        board.start("x", lambda job: {}, 10)
    release.set()
    _until(lambda: all(j.state != "running" for j in slow))

    def spin(job):
        while True:
            job.report(0.5, "spinning")
            time.sleep(0.01)

    timed = board.start("spin", spin, 0.3)
    _until(lambda: timed.state != "running")
    assert timed.state == "cancelled" and "time limit" in timed.error
    failing = board.start("bad", lambda job: 1 / 0, 5)
    _until(lambda: failing.state != "running")
    assert failing.state == "failed" and "ZeroDivisionError" in failing.error
    board.join(5.0)
    assert all(j.state == "done" for j in slow)
