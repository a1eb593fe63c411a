"""The page's long work, each as a job (jobs.py): cracking a ciphertext, training a decipherer
into the runs folder, and the vanishing-gradient experiment's quick path for one cell. Each
function checks the request body at once (bad input fails the request, not the job) and
returns the work to run and its time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rnnlab.errors import InputError
from rnnlab.serve.api import Site, get
from rnnlab.serve.jobs import Job

MAX_CRACK_SECONDS = 120.0
MAX_TRAIN_SECONDS = 3600.0
MAX_CORPUS = 8 << 20  # characters of an uploaded corpus (the body limit is raised to fit)
GRADIENT_BUDGET = 1.2e10  # draws x steps x units^3 (x4 for gated cells): about 30 s of work
LIVE_POINTS = 400  # training losses kept for the live curve (thinned as they come)

Planned = tuple[Callable[[Job], dict], float]


def crack_work(body: dict) -> Planned:
    """{"text", "cipher", "crib", "time_limit", "candidates"} -> the crack, with its result as
    `rnnlab crack --json --candidates N` gives it."""
    from rnnlab.crack.core import FAMILIES

    text = get(body, "text", str)
    family = get(body, "cipher", str, "auto")
    if family not in FAMILIES:
        raise InputError(f"unknown cipher {family!r}; choose one of {', '.join(FAMILIES)}")
    crib = get(body, "crib", str, "") or None
    limit = get(body, "time_limit", float, 10.0, 0.5, MAX_CRACK_SECONDS)
    n = get(body, "candidates", int, 5, 1, 50)
    if not any("a" <= c.lower() <= "z" for c in text):
        raise InputError("the ciphertext has no letters A-Z; paste the text to crack")

    def work(job: Job) -> dict:
        from rnnlab.crack import crack

        r = crack(text, cipher=family, crib=crib, time_limit=limit, candidates=n,
                  progress=job.report)  # fmt: skip
        b = r.best
        cands = [{"plaintext": c.plaintext, "cipher": c.cipher, "key": c.key,
                  "score": round(c.score, 2), "confidence": round(c.confidence, 4)}
                 for c in r.candidates]  # fmt: skip
        return {"plaintext": b.plaintext, "cipher": b.cipher, "key": b.key,
                "confidence": round(b.confidence, 4), "ambiguous": r.ambiguous,
                "candidates": cands, "detected": r.detected, "elapsed": round(r.elapsed, 2),
                "evaluations": r.evaluations}  # fmt: skip

    return work, limit + 5.0  # crack keeps to its own limit; the job's is a backstop


def train_work(site: Site, body: dict) -> Planned:
    """{"cipher", "key", "corpus" (text, or absent for the built-in corpus), "model", "epochs",
    "time_limit", "name"} -> a run trained into the runs folder; cancelled or out of time, the
    run is saved as it stands and `rnnlab train --resume` continues it. Everything is checked
    before anything is written; the uploaded corpus is written by the job itself."""
    from rnnlab.nn import recipes, runs

    cipher, key = get(body, "cipher", str), get(body, "key", str, "") or None
    limit = get(body, "time_limit", float, 600.0, 5.0, MAX_TRAIN_SECONDS)
    epochs = get(body, "epochs", int, None, 1, 500)
    model = get(body, "model", str, "") or None
    text = _corpus_text(body.get("corpus"))
    corpus = None if text is None else site.runs / ".corpora" / "pending.txt"  # named below
    config = recipes.decipher_config(cipher=cipher, key=key, model=model, epochs=epochs,
                                     corpus=str(corpus) if corpus else None, device="cpu",
                                     seed=0)  # fmt: skip  (a bad cipher or key fails here)
    name = get(body, "name", str, "") or time.strftime(
        f"web-{config.cipher.name}-%Y%m%d-%H%M%S")
    out = runs.refuse_existing(site.run_path(name, must_exist=False))
    if corpus is not None:
        corpus = corpus.with_name(f"{name}.txt")
        config = replace(config, data=replace(config.data, corpus=str(corpus)))

    def work(job: Job) -> dict:
        from rnnlab.fileio import atomic_write_text
        from rnnlab.nn import jobs

        job.message = "reading the corpus"
        if corpus is not None:
            corpus.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(corpus, text)
        p = jobs.prepare(config)
        runs.prepare_dir(out)
        job.live.update(run=name, describe=jobs.describe(p), records=[], losses=[])
        follow = lambda e: _follow(job, e, limit, config.training.epochs)  # noqa: E731
        stop = lambda: job.cancel_event.is_set() or time.monotonic() - job.started > limit  # noqa: E731
        res = jobs.train_run(config, out, follow, stop, prepared=p, figure_later=True)
        h = res.history
        return {"run": name, "stopped": h.stopped, "parameters": res.parameters,
                "val_accuracy": res.val_accuracy, "test_accuracy": res.test_accuracy,
                "train_seconds": round(h.train_seconds, 2)}  # fmt: skip

    return work, limit + 120.0  # training stops itself at `limit`; the rest is reading, saving


def _corpus_text(text) -> str | None:
    """An uploaded corpus, checked; None for the built-in corpus."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise InputError("'corpus' must be the text of a corpus, or absent for the built-in one")
    if len(text) > MAX_CORPUS:
        raise InputError(f"the corpus holds {len(text):,} characters; the page takes at most "
                         f"{MAX_CORPUS:,} (use rnnlab train --corpus FILE)")  # fmt: skip
    if sum(c.isalpha() for c in text[:100_000]) < 200:
        raise InputError("the corpus has fewer than 200 letters; give a text of some length")
    return text


def _follow(job: Job, e, limit: float, epochs: int) -> None:
    """A training event into the job: progress, the validation records and a thinned loss curve."""
    live = job.live
    done = (e.epoch + e.step / max(e.steps_per_epoch, 1)) if e.steps_per_epoch else e.epoch
    losses = live["losses"]
    if e.kind == "step" and np.isfinite(e.loss):
        losses.append([round(done, 4), round(float(e.loss), 5)])
        if len(losses) > LIVE_POINTS:
            del losses[1::2]
    if e.record is not None:
        r = e.record
        live["records"].append({"epoch": round(done, 4), "train_loss": r["train_loss"],
                                "val_loss": r["val_loss"],
                                "val_accuracy": r["val_char_accuracy"],
                                "seconds": round(r["train_seconds"], 2)})  # fmt: skip
    elapsed = time.monotonic() - job.started  # the share of epochs or of the time, if more
    job.fraction = min(max(done / max(epochs, 1), elapsed / limit), 1.0)
    job.message = f"epoch {e.epoch + 1} of at most {epochs}, step {e.step}"


def gradients_work(body: dict) -> Planned:
    """{"cell", "hidden", "init", "steps", "seeds", "seed"} -> ||dh_t/dh_0|| for t = 1..T over
    the seeds, drawn as in `rnnlab experiment vanishing --quick` (the same draws)."""
    from rnnlab.experiments.vanishing import (
        CELL_LABELS,
        EXPLODED,
        INIT_LABELS,
        QUICK,
        VANISHED,
        fate,
    )
    from rnnlab.experiments.vanishing_draws import CURVES, INITS

    cell = get(body, "cell", str, "rnn")
    if cell not in CURVES:
        raise InputError(f"unknown cell {cell!r}; choose one of {', '.join(CURVES)}")
    init = get(body, "init", str, "normal")
    if init not in INITS:
        raise InputError(f"unknown initialisation {init!r}; choose one of {', '.join(INITS)}")
    n = get(body, "hidden", int, 16, 1, 256)
    T = get(body, "steps", int, QUICK.steps, 2, 500)
    seeds = get(body, "seeds", int, QUICK.seeds, 1, 50)
    seed = get(body, "seed", int, 0, 0, 2**31 - 1)
    cost = seeds * T * n**3 * (1 if cell == "rnn" else 4)  # about 4e8 of it a second
    if cost > GRADIENT_BUDGET:
        raise InputError(f"{seeds} draws of {T} steps with {n} units would take about "
                         f"{cost / 4e8:.0f} s; choose fewer units, steps or draws")  # fmt: skip

    def work(job: Job) -> dict:
        from rnnlab.exact.jacobians import norms_from_start
        from rnnlab.experiments.vanishing_draws import draw

        logs = np.empty((seeds, T))
        for s in range(seeds):
            job.report(s / seeds, f"draw {s + 1} of {seeds}")
            c, params, _, xs = draw(cell, n, init, [seed, n, INITS.index(init), s], T)
            logs[s] = np.clip(norms_from_start(c, params, xs, log10=True), -300, 300)
        median = np.median(logs, axis=0)
        return {"label": CELL_LABELS[cell], "t": list(range(1, T + 1)),
                "median": median.round(4).tolist(), "low": logs.min(0).round(4).tolist(),
                "high": logs.max(0).round(4).tolist(), "fate": fate(10.0 ** median[-1]),
                "limits": [VANISHED, EXPLODED], "hidden": n, "init": init,
                "init_label": INIT_LABELS[init], "steps": T,
                "seeds": seeds}  # fmt: skip

    return work, 120.0

