"""Interrupted training, at the process level: Ctrl-C and SIGTERM save a checkpoint and exit
cleanly, `rnnlab train --resume` reaches the weights of an uninterrupted run, kill -9 in the middle
of a checkpoint write loses nothing, and a non-finite loss keeps the last good checkpoint."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from rnnlab.nn import runfile
from rnnlab.nn.runfile import OPTIMIZER, WEIGHTS
from rnnlab.nn.runs import load_run

from ._support import assert_one_line_error, cli

EPOCHS = 3


@pytest.fixture(scope="module")
def train_argv(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A small job: about 130 pairs, 17 steps an epoch, well under a second an epoch."""
    from rnnlab.text.corpus import default_text

    corpus = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    corpus.write_text(default_text()[:12_000], encoding="utf-8")
    return ["train", "--cipher", "caesar", "--key", "3", "--model", "char", "--corpus", str(corpus),
            "--hidden", "8", "--embed", "8", "--epochs", str(EPOCHS), "--batch-size", "8",
            "--seed", "1", "--threads", "1", "--device", "cpu"]  # fmt: skip


@pytest.fixture(scope="module")
def reference_dir(train_argv, tmp_path_factory) -> Path:
    """The same job run without interruption."""
    from rnnlab.cli import main

    threads = torch.get_num_threads()
    out = tmp_path_factory.mktemp("ref") / "run"
    try:
        assert main([*train_argv, "--out", str(out)]) == 0
    finally:
        torch.set_num_threads(threads)
    return out


@pytest.fixture(scope="module")
def reference(reference_dir) -> dict[str, torch.Tensor]:
    """The weights of the uninterrupted run."""
    return load_run(reference_dir).model.state_dict()


def _rnnlab(argv: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rnnlab", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"rnnlab ended before {path.name} appeared: {proc.communicate()}")
        if time.monotonic() > end:
            proc.kill()
            pytest.fail(f"{path.name} did not appear within {timeout} s")
        time.sleep(0.005)


def _resume_and_compare(out: Path, reference: dict, capsys) -> None:
    threads = torch.get_num_threads()
    try:
        code, stdout, err = cli(capsys, "train", "--resume", out, "--threads", "1")
    finally:
        torch.set_num_threads(threads)
    assert code == 0, err
    assert runfile.resume_position(out) is None  # finished: nothing left to resume
    weights = load_run(out).model.state_dict()
    for name, w in reference.items():
        assert torch.allclose(weights[name], w, atol=1e-6), name
    epochs = [r["epoch"] for r in runfile.read_history(out)]
    assert epochs == list(range(1, EPOCHS + 1))  # each epoch's record once


def test_ctrl_c_and_sigterm_save_a_checkpoint_and_resume_reaches_the_same_weights(
    train_argv, reference, tmp_path, capsys
) -> None:
    runs = {sig: tmp_path / sig.name for sig in (signal.SIGINT, signal.SIGTERM)}
    procs = {sig: _rnnlab([*train_argv, "--out", str(out)]) for sig, out in runs.items()}
    for sig, proc in procs.items():  # both train at once; each is stopped after its first epoch
        _wait_for(runs[sig] / runfile.STATE, proc)
        proc.send_signal(sig)
    for sig, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 128 + sig, (stdout, stderr)
        assert f"Interrupted by {sig.name}; saved a checkpoint" in stdout
        assert f"rnnlab train --resume {runs[sig]}" in stdout
        assert "Traceback" not in stderr
        position = runfile.resume_position(runs[sig])
        assert position is not None and (1, 0) <= position < (EPOCHS, 0), position
        load_run(runs[sig])  # an interrupted run is a valid run: it deciphers already
    for out in runs.values():
        _resume_and_compare(out, reference, capsys)


KILLER = """
import os, signal, sys
import rnnlab.fileio as fio
real_replace, seen = os.replace, []
def replace(src, dst):
    if str(dst).endswith({target!r}):
        seen.append(dst)
        if len(seen) == 2:  # the second checkpoint: its temporary file is written, not in place
            os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)
fio.os.replace = replace
from rnnlab.cli import main
sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(OPTIMIZER, id="after-the-weights-before-the-resume-file"),
        pytest.param(WEIGHTS, id="before-the-weights", marks=pytest.mark.slow),
    ],
)
def test_kill_9_during_a_checkpoint_write_keeps_the_previous_checkpoint(
    target, train_argv, reference, tmp_path, capsys
) -> None:
    out = tmp_path / "run"
    script = textwrap.dedent(KILLER).format(target=target, argv=[*train_argv, "--out", str(out)])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert runfile.resume_position(out) == (1, 0)  # the first epoch's checkpoint resumes
    load_run(out)  # every file is whole: old or new, never half-written
    assert [p.name for p in out.glob(".*.tmp")] != []  # the cut write left only a temp file
    _resume_and_compare(out, reference, capsys)


def train_rows(run_dir) -> int:
    """The rows a run trained on an epoch: its phrases, and as many augmented copies if any."""
    import json

    stats = json.loads((run_dir / "config.json").read_text())["stats"]
    return stats["train"] * (2 if stats.get("augmented") else 1)


def test_a_non_finite_loss_stops_training_and_keeps_the_last_good_checkpoint(
    train_argv, reference_dir, tmp_path, capsys, monkeypatch
) -> None:

    import rnnlab.nn.train as train_mod

    real, calls = train_mod.cross_entropy, []
    steps = -(-train_rows(reference_dir) // 8)

    def nan_in_epoch_two(logits, tgt):
        loss = real(logits, tgt)
        if torch.is_grad_enabled():  # training steps, not validation
            calls.append(1)
            if len(calls) > steps + 3:  # in the second epoch
                return loss * float("nan")
        return loss

    monkeypatch.setattr(train_mod, "cross_entropy", nan_in_epoch_two)
    out = tmp_path / "run"
    threads = torch.get_num_threads()
    try:
        code, _, err = cli(capsys, *train_argv, "--out", out)
    finally:
        torch.set_num_threads(threads)
    assert_one_line_error(code, err.splitlines()[-1] + "\n", "the loss became nan")
    assert "Traceback" not in err
    assert "the last good checkpoint (1 epochs and 0 steps in) is kept" in err
    assert runfile.resume_position(out) == (1, 0)
    run = load_run(out)
    assert all(bool(torch.isfinite(w).all()) for w in run.model.state_dict().values())


def test_a_second_ctrl_c_stops_at_once_and_the_last_checkpoint_resumes(
    train_argv, reference_dir, reference, tmp_path, capsys, monkeypatch
) -> None:

    import rnnlab.nn.train as train_mod

    real, calls = train_mod.cross_entropy, []
    steps = -(-train_rows(reference_dir) // 8)

    def two_ctrl_c_in_epoch_two(logits, tgt):
        if torch.is_grad_enabled():
            calls.append(1)
            if len(calls) == steps + 3:
                signal.raise_signal(signal.SIGINT)  # a request to stop at the next step ...
                signal.raise_signal(signal.SIGINT)  # ... and a second: stop now
        return real(logits, tgt)

    monkeypatch.setattr(train_mod, "cross_entropy", two_ctrl_c_in_epoch_two)
    out = tmp_path / "run"
    threads = torch.get_num_threads()
    try:
        code, _, err = cli(capsys, *train_argv, "--out", out)
    finally:
        torch.set_num_threads(threads)
    assert code == 130 and err.strip().endswith("rnnlab: interrupted"), err
    assert "Traceback" not in err
    assert runfile.resume_position(out) == (1, 0)  # the first epoch's checkpoint, whole
    monkeypatch.setattr(train_mod, "cross_entropy", real)
    _resume_and_compare(out, reference, capsys)
