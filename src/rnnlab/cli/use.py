"""Commands that use a trained run or a model type: decipher, evaluate, summary.

Parsing and printing only; the work is done by rnnlab.nn.runs, rnnlab.nn.decode and jobs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli._app import app, echo, require_letters, text_pieces
from rnnlab.cli._progress import threads as _threads
from rnnlab.errors import InputError


@app.command()
def decipher(
    text: Annotated[
        str | None, typer.Argument(help="text to decipher (or -i FILE, or stdin)")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", "-m", help="run folder (default: the newest runs/demo-*)"),
    ] = None,
    input_file: Annotated[Path | None, typer.Option("--input", "-i", help="read this file")] = None,
    confidence: Annotated[
        bool, typer.Option(help="mark characters the model is unsure of")
    ] = False,
    threshold: Annotated[
        float, typer.Option(help="confidence under which a character counts as unsure")
    ] = 0.9,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="one JSON object: the text, each character's confidence, "
            "and the shares of unknown characters and unsure letters",
        ),
    ] = False,  # fmt: skip
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch")] = None,
    sequential: Annotated[
        bool, typer.Option(help="a stream model: one pass in order, not windows side by side")
    ] = False,
) -> None:
    """Decipher text with a trained run; long files are streamed in flat memory. When the text
    looks unlike the model's training data, one line on stderr says how (the exit code stays 0).
    """
    from rnnlab.nn.decode import Decipherer
    from rnnlab.nn.runs import load_run

    _threads(threads)
    if not 0 < threshold <= 1:
        raise InputError(f"--threshold is a confidence in (0, 1], got {threshold}")
    run = load_run(model if model is not None else _newest_demo())
    batch = DECIPHER_PIECE * (4 if run.period and not sequential else 1)  # windows: wider
    dec = Decipherer.from_run(run, sequential, batch_chars=batch)  # memory stays flat
    pieces, name = text_pieces(text, input_file)
    hint = "give text enciphered like its training data, or train a model on this alphabet"
    reader = f"the model in {model}"
    pieces = require_letters(pieces, name, "decipher", _letters(run), reader, hint)
    s = dec.stream(confidence=confidence or as_json, threshold=threshold)
    parts: list = []  # with --json, the output is held to be written as one object
    emit = parts.append if as_json else (lambda oc: _write(*oc, confidence, threshold))
    last = ""
    for piece in pieces:
        for i in range(0, len(piece), DECIPHER_PIECE):  # bounds the model's logits in memory
            emit(result := s.feed(piece[i : i + DECIPHER_PIECE]))
            last = result[0][-1:] or last
    emit(result := s.close())
    last = result[0][-1:] or last
    if as_json:
        return _write_json(parts, s.doubt)
    if text is not None and last != "\n":
        sys.stdout.write("\n")
    _say_doubt(s.doubt, confidence)


def _write_json(parts: list, doubt) -> None:
    import numpy as np

    plain = "".join(out for out, _ in parts)
    conf = np.concatenate([c for _, c in parts]) if parts else np.zeros(0)
    obj = {"plaintext": plain, "confidence": [round(float(c), 4) for c in conf], **doubt.to_json()}
    echo(json.dumps(obj, ensure_ascii=False))


def _say_doubt(doubt, measured_all: bool) -> None:
    """One line on stderr when the text looks unlike the model's training data."""
    if not doubt.unlike:
        return
    print(
        f"note: {doubt.message(measured_all)} (--json shows each character's confidence)",
        file=sys.stderr,
    )


DECIPHER_PIECE = 1 << 16  # characters handed to the decipherer at a time, and per model batch


def _letters(run) -> str:
    """The letters the run's model reads, both cases when it folds case."""
    letters = "".join(c for c in run.vocabs.source.chars if c.isalpha())
    return letters + letters.upper() if run.vocabs.fold_case else letters


def _write(out: str, conf, confidence: bool, threshold: float) -> None:
    if not out:
        return
    if not confidence:
        sys.stdout.write(out)
        sys.stdout.flush()
        return
    from rich.console import Console
    from rich.text import Text

    t = Text()
    for ch, p in zip(out, conf):
        t.append(ch, style="bold red reverse" if p < threshold else None)
    Console(highlight=False, soft_wrap=True).print(t, end="")
    low = int((conf < threshold).sum())
    print(f"\n[{low} of {len(out)} characters below confidence {threshold:.0%}]", file=sys.stderr)


@app.command()
def evaluate(
    model: Annotated[Path, typer.Option("--model", "-m", help="run folder")],
    pairs: Annotated[tuple[Path, Path], typer.Option(help="PLAIN CIPHER files, line by line")],
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON object")] = False,
) -> None:
    """Real-character accuracy and whole-line exact match of a run on PLAIN/CIPHER pairs."""
    from rnnlab.nn.jobs import evaluate_pairs
    from rnnlab.nn.runs import load_run
    from rnnlab.text.pairs import read_pairs

    res = evaluate_pairs(load_run(model), read_pairs(*pairs))
    total, lines = res["characters"], res["pairs"]
    if as_json:
        echo(json.dumps(res))
    else:
        echo(
            f"character accuracy {res['char_accuracy']:.4%} over {total:,} characters; "
            f"line exact match {res['line_accuracy']:.4%} over {lines:,} lines"
        )


@app.command()
def summary(
    model: Annotated[str, typer.Option("--model", "-m", help="seed, char or perchar")] = "seed",
    length: Annotated[int, typer.Option(help="input length for the shapes")] = 10,
    vocab: Annotated[int, typer.Option(help="output classes (Dense units)")] = 26,
    src_vocab: Annotated[int, typer.Option(help="input classes (char)")] = 27,
    hidden: Annotated[int | None, typer.Option(help="recurrent units")] = None,
) -> None:
    """A Keras-like layer table (output shapes, parameters) for a model type or a run folder."""
    from rnnlab.nn.config import MODEL_KINDS, ModelConfig
    from rnnlab.nn.summary import layer_table

    if model in MODEL_KINDS:
        if max(vocab, src_vocab, hidden or 0) > 1_000_000:
            raise InputError("summary takes sizes up to 1,000,000; give smaller --vocab/--hidden")
        extra = {"hidden": hidden} if hidden else {}
        cfg = ModelConfig(kind=model, src_vocab=src_vocab, tgt_vocab=vocab, **extra)
    else:
        from rnnlab.nn.runs import load_run

        cfg = load_run(Path(model)).config.model  # the whole run checked, as decipher does
    rows = layer_table(cfg, length)
    w = max(len(r[0]) for r in rows) + 2
    echo(f'Model: "{cfg.kind}"')
    echo(f"{'Layer (type)':<{w}}{'Output Shape':<22}{'Param #':>10}")
    echo("=" * (w + 32))
    for name, shape, n in rows:
        echo(f"{name:<{w}}{shape:<22}{n:>10,}")
    echo("=" * (w + 32))
    total = sum(r[2] for r in rows)
    echo(f"Total params: {total:,}\nTrainable params: {total:,}\nNon-trainable params: 0")


def _newest_demo() -> Path:
    """The most recent run that `rnnlab demo` saved under ./runs, for `decipher` without -m."""
    runs = sorted(Path("runs").glob("demo*/model.safetensors"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise InputError("no --model given and no demo run under runs/; run `rnnlab demo` first")
    return runs[-1].parent
