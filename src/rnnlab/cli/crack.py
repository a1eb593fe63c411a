"""Commands: `rnnlab crack` (decipher without the key) and `rnnlab lm train` (the character
language model that judges candidate plaintexts).

Parsing and printing only; the search is rnnlab.crack, imported inside the commands so that
`rnnlab --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli._app import app, echo, text_argument

FAMILY_HELP = ("auto (tell the family from the text), caesar, affine, vigenere, beaufort, "
               "substitution, columnar, railfence or playfair")

lm_app = typer.Typer(help="The character language model that judges candidate plaintexts.")
app.add_typer(lm_app, name="lm")


@app.command()
def crack(
    text: Annotated[
        str | None,
        typer.Argument(help="the ciphertext; leave out to read -i FILE or standard input"),
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", "-i", help="read the ciphertext from this file")
    ] = None,
    cipher: Annotated[str, typer.Option("--cipher", "-c", help=FAMILY_HELP)] = "auto",
    crib: Annotated[
        str | None, typer.Option("--crib", help="a word or phrase known to be in the plaintext")
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", help="stop within this many seconds")
    ] = 10.0,
    candidates: Annotated[
        int, typer.Option("--candidates", "-n", help="list the N best decryptions with scores")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    no_lm: Annotated[bool, typer.Option("--no-lm", help="rank by n-gram statistics alone")] = False,
    lm_run: Annotated[
        Path | None,
        typer.Option("--lm", help="judge with this language model run (rnnlab lm train)"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the key search")] = 0,
) -> None:
    """Decipher text without its key: prints the plaintext, the cipher, the key and a confidence.

    Example: rnnlab crack "Wkh txlfn eurzq ira" prints the plaintext, then caesar, key 3.
    """
    import time

    started = time.monotonic()
    from rnnlab.errors import InputError

    ciphertext = text_argument(text, input_file)
    if candidates < 1:
        raise InputError(f"--candidates must be at least 1; got {candidates}")
    from rnnlab.crack import crack as run_crack

    if lm_run is not None and no_lm:
        raise InputError("give --lm RUN or --no-lm, not both")
    lm = not no_lm
    if lm_run is not None:
        from rnnlab.crack.lm import load_run

        lm = load_run(lm_run)

    with _Progress(enabled=not as_json and sys.stderr.isatty()) as report:
        result = run_crack(
            ciphertext,
            cipher=cipher,
            crib=crib,
            time_limit=max(time_limit - (time.monotonic() - started), 0.05),
            candidates=candidates,
            seed=seed,
            progress=report,
            lm=lm,
        )
    if not result.full_statistics:
        from rnnlab.crack.core import BUILD_TIME

        print(
            "note: the English word statistics are built on first use (about 3 s) and did not fit "
            f"in the time limit, so this run used the built-in corpus alone; one run with "
            f"--time-limit {BUILD_TIME:g} or more builds and caches them",
            file=sys.stderr,
        )
    (_print_json if as_json else _print_text)(result, candidates > 1)


def _print_json(result, with_candidates: bool) -> None:
    best = result.best
    obj = {"plaintext": best.plaintext, "cipher": best.cipher, "key": best.key,
           "confidence": round(best.confidence, 4), "ambiguous": result.ambiguous}  # fmt: skip
    if with_candidates:
        obj["candidates"] = [
            {"plaintext": c.plaintext, "cipher": c.cipher, "key": c.key,
             "score": round(c.score, 2), "confidence": round(c.confidence, 4)}
            for c in result.candidates
        ]  # fmt: skip
    echo(json.dumps(obj, ensure_ascii=False))


def _print_text(result, with_candidates: bool) -> None:
    best = result.best
    echo(_marked(best.plaintext.rstrip("\n"), result.ambiguous))
    echo(
        f"cipher: {best.cipher}  key: {best.key}  confidence: {best.confidence:.2f}  "
        f"({result.elapsed:.1f} s, {result.evaluations:,} keys scored)",
    )
    if result.ambiguous:
        echo(f"ambiguous: {', '.join(result.ambiguous)}  (letters the text cannot settle)")
    if with_candidates:
        echo()
        for i, c in enumerate(result.candidates, 1):
            line = " ".join(c.plaintext.split())
            line = line if len(line) <= 60 else line[:57] + "..."
            echo(
                f"{i:2d}. {c.score:10.1f}  {c.confidence:5.2f}  {c.cipher:12s} {c.key:26s}  {line}"
            )


def _marked(plain: str, ambiguous: list[str]) -> str:
    """On a terminal, the unsettled letters of `plain` underlined; elsewhere `plain` as is."""
    given = {pair[0] for pair in ambiguous}
    if not given or not sys.stdout.isatty():
        return plain
    return "".join(f"\x1b[4m{c}\x1b[24m" if c.lower() in given else c for c in plain)


class _Progress:
    """A transient progress bar on stderr, fed (fraction, message) by the search."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description:40s}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.__enter__()
        task = self.bar.add_task("starting", total=1.0)

        def report(fraction: float, message: str) -> None:
            self.bar.update(task, completed=fraction, description=message)

        return report

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self.bar.__exit__(*exc)


@lm_app.command("train")
def lm_train(
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="train on this UTF-8 text file")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="the run folder to write")] = Path(
        "runs/lm"
    ),
    epochs: Annotated[int, typer.Option(help="passes over the stream")] = 10,
    hidden: Annotated[int, typer.Option(help="GRU units")] = 128,
    batch: Annotated[int, typer.Option(help="parallel streams")] = 64,
    bptt: Annotated[int, typer.Option(help="truncated BPTT length (k1 = k2)")] = 32,
    lr: Annotated[float, typer.Option(help="Adam learning rate")] = 5e-3,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Train a character GRU language model on the built-in corpus (or --corpus) as one stream
    with truncated BPTT, and save it as a run (model.safetensors, config.json, history.csv);
    Ctrl-C saves a checkpoint that `rnnlab train --resume` continues.

    Example: rnnlab lm train --epochs 2 --out runs/lm
    """
    import math

    from rnnlab.cli import _progress as progress
    from rnnlab.nn import jobs, recipes, runs

    config = recipes.lm_config(
        str(corpus.resolve()) if corpus else None, epochs=epochs, hidden=hidden,
        batch_size=batch, bptt=bptt, lr=lr, seed=seed,
    )  # fmt: skip
    out = runs.refuse_existing(out)
    p = jobs.prepare(config)
    runs.prepare_dir(out)
    echo(f"Training {jobs.describe(p)} -> {out}")
    last = [0.0]

    def report(e) -> None:
        if e.record is not None:
            r, bpc = e.record, 1 / math.log(2)
            took, last[0] = r["train_seconds"] - last[0], r["train_seconds"]
            echo(
                f"epoch {r['epoch']:3d}  train {r['train_loss'] * bpc:.3f}  "
                f"val {r['val_loss'] * bpc:.3f} bits/char  ({took:.1f} s)"
            )

    signals: list[int] = []
    with progress.stop_on_signals(signals) as stop:
        res = jobs.train_run(config, out, report, stop, prepared=p)
    progress.exit_if_interrupted(res, signals, out)
    echo(f"saved {out}")
