"""Commands that train the decipherer: demo and train (registered on the app).

Parsing and printing only; the work is done by rnnlab.nn.pipeline, checkpoint and decode.
"""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli._app import Stopped, app, echo
from rnnlab.errors import InputError, ModelFileError, TrainingError

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="seed (the assignment's) or char")]


def _threads(n: int | None) -> None:
    import torch

    if n is not None:
        if n < 1:
            raise InputError(f"--threads must be at least 1, got {n}")
        torch.set_num_threads(n)


def _device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda asked for, but no CUDA device is available; use cpu")
    if name not in ("cpu", "cuda"):
        raise InputError(f"unknown device {name!r}; use auto, cpu or cuda")
    return name


@contextmanager
def _stop_on_signals(asked: list[int] | None = None):
    """Turn Ctrl-C and SIGTERM into a polite request to stop; yields a function to poll.
    The signals received are appended to `asked`; a second one stops at once."""
    asked = [] if asked is None else asked

    def handler(signum, frame):
        if asked:  # a second Ctrl-C: stop at once (atomic writes keep the last checkpoint)
            raise Stopped(signum)
        asked.append(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: bool(asked)
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _progress():
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]epoch {task.fields[epoch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}  val acc {task.fields[acc]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )


def _train_with_progress(ds, mcfg, opts, out, resume: bool = False, signals=None, trainer=None):
    from rnnlab.nn import distributed
    from rnnlab.nn.pipeline import train_decipherer

    train_decipherer = trainer or train_decipherer

    if not distributed.is_main():  # under torchrun, rank 0 alone shows progress
        with _stop_on_signals(signals) as stop:
            return train_decipherer(ds, mcfg, opts, out, should_stop=stop, resume=resume)
    with _progress() as bar, _stop_on_signals(signals) as stop:
        task = bar.add_task("train", total=None, epoch=1, loss=float("nan"), acc="-")

        def on_event(e):
            if e.kind == "step":
                bar.update(
                    task, completed=e.step, total=e.steps_per_epoch, epoch=e.epoch + 1, loss=e.loss
                )
            elif e.metrics is not None:
                bar.update(task, acc=f"{e.metrics.char_accuracy:.4%}")

        result = train_decipherer(
            ds, mcfg, opts, out, callback=on_event, should_stop=stop, resume=resume
        )
    return result


def _side_by_side(rows: list[tuple[str, str, str]], width: int = 48) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(show_lines=False, box=None, padding=(0, 1))
    for name in ("cipher", "deciphered", "truth"):
        t.add_column(name, overflow="fold", max_width=width)
    for c, d, p in rows:
        mark = "" if d == p else " [red]x[/red]"
        t.add_row(c, d + mark, p)
    Console().print(t)


@app.command()
def demo(
    out: Annotated[Path | None, typer.Option(help="run folder (default runs/demo-TIME)")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch")] = None,
    quick: Annotated[bool, typer.Option(help="a tiny run, for smoke tests")] = False,
) -> None:
    """The main job on the built-in data: learn a Caesar shift of 3, decipher, save the run."""
    from rnnlab.nn.decode import Decipherer
    from rnnlab.nn.pipeline import dataset_from_text, model_config, train_options
    from rnnlab.text.ciphers import make_cipher
    from rnnlab.text.corpus import default_text

    _threads(threads)
    t0 = time.perf_counter()
    cipher = make_cipher("caesar", 3)
    ds = dataset_from_text(
        default_text(),
        cipher,
        seed=seed,
        limit=400 if quick else None,
        source={"corpus": "default"},
    )
    out = out or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    if (out / "model.safetensors").exists():
        raise InputError(f"{out} already holds a run; choose another --out or remove it")
    n = len(ds.train_pairs) + len(ds.val_pairs) + len(ds.test_pairs)
    echo(f"Data: {n:,} phrases of English prose from Python's own documentation,")
    echo("      enciphered with a Caesar shift of 3;")
    echo(
        f"      train {len(ds.train_pairs):,}, validation {len(ds.val_pairs):,}, "
        f"test {len(ds.test_pairs):,}; {len(ds.src_vocab)} distinct characters"
    )
    mcfg = model_config("char", ds)
    quick_opts = {"epochs": 12, "batch_size": 32} if quick else {}
    opts = train_options("char", target_accuracy=1.0, seed=seed, **quick_opts)
    echo(f"Model: char (embedding {mcfg.embed}, GRU {mcfg.hidden}, linear {mcfg.tgt_vocab})")
    signals: list[int] = []
    res = _train_with_progress(ds, mcfg, opts, out, signals=signals)
    _exit_if_interrupted(res, signals, out)
    dec = Decipherer(
        res.model, ds.src_vocab, ds.tgt_vocab, fold_case=ds.fold_case, max_len=ds.max_len
    )
    echo(
        f"\nTrained {res.parameters:,} parameters in {res.history.train_seconds:.1f} s "
        f"({res.history.stopped}); validation character accuracy {res.val_accuracy:.2%}"
    )
    echo("\nHeld-out test phrases:")
    rows = [(c, dec.decipher(c), p) for c, p in ds.test_pairs[:6]]
    _side_by_side(rows)
    echo(f"Test character accuracy: {res.test_accuracy:.2%} over {len(ds.test_pairs):,} phrases")
    echo(f"\nThe assignment's example: dqgwzr -> {dec.decipher('dqgwzr')}")
    echo(
        f"\nSaved the run to {out}/ (model.safetensors, config.json, vocab.json, history.csv, "
        f"training.png) in {time.perf_counter() - t0:.1f} s in all."
    )
    echo("\nGo further:")
    echo(f'  rnnlab decipher --model {out} "Wkh txlfn eurzq ira."')
    echo('  rnnlab encrypt --cipher vigenere --key LEMON "attack at dawn"')
    echo("  rnnlab train --cipher affine --key 5,8 --out runs/affine")
    echo("  rnnlab summary --model seed --length 10 --vocab 26")
    echo("  rnnlab bptt --wh 1 --wx 0.1 --wy 2 --h0 1 --x 10 10 --y 5 5")


@app.command()
def train(
    cipher: Annotated[
        str | None, typer.Option(help="cipher that makes the pairs from a corpus")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="the cipher's key (see rnnlab encrypt --help)")
    ] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="UTF-8 text file (default: built-in corpus)")
    ] = None,
    pairs: Annotated[
        tuple[Path, Path] | None, typer.Option(help="PLAIN CIPHER files, line by line")
    ] = None,
    model: ModelOpt = "char",
    hidden: Annotated[int | None, typer.Option(help="recurrent units")] = None,
    embed: Annotated[int | None, typer.Option(help="embedding width (char)")] = None,
    cell: Annotated[str | None, typer.Option(help="gru, lstm or rnn (char)")] = None,
    epochs: Annotated[int | None, typer.Option(help="at most this many epochs")] = None,
    batch_size: Annotated[int | None, typer.Option(help="sequences per step")] = None,
    lr: Annotated[float | None, typer.Option(help="Adam learning rate")] = None,
    clip: Annotated[float | None, typer.Option(help="gradient norm clipping threshold")] = None,
    target_accuracy: Annotated[
        float | None, typer.Option(help="stop at this validation accuracy")
    ] = None,
    eval_every: Annotated[int | None, typer.Option(help="also validate every N steps")] = None,
    max_len: Annotated[int, typer.Option(help="longest phrase cut from a corpus")] = 100,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    out: Annotated[Path | None, typer.Option(help="run folder to write")] = None,
    resume: Annotated[
        Path | None, typer.Option(help="continue the interrupted run in this folder")
    ] = None,
    stream: Annotated[
        bool | None,
        typer.Option(
            "--stream/--phrases",
            help="messages in columns with truncated BPTT (default for vigenere, autokey and "
            "progressive; --batch-size is then the number of columns), or phrases",
        ),
    ] = None,
    k1: Annotated[int | None, typer.Option(help="streams: an update every K1 characters")] = None,
    k2: Annotated[int | None, typer.Option(help="streams: backpropagate K2 characters")] = None,
) -> None:
    """Train a decipherer from a corpus and a cipher, or from PLAIN/CIPHER pairs files."""
    from rnnlab.nn import checkpoint
    from rnnlab.nn.pipeline import model_config, train_options
    from rnnlab.nn.train import TrainOptions

    _threads(threads)
    if _wants_stream(stream, cipher, key, pairs, resume):
        if resume is None and (model != "char" or eval_every is not None):
            raise InputError(
                "stream training uses the char model and validates every epoch; "
                "drop --model/--eval-every, or train on --phrases"
            )
        sizes = {"cell": cell, "hidden": hidden, "embed": embed}
        given = {"epochs": epochs, "columns": batch_size, "lr": lr, "clip": clip, "seed": seed}
        given |= {"target_accuracy": target_accuracy, "k1": k1, "k2": k2, **sizes}
        _train_stream(resume, cipher, key, corpus, given, device, out)
        return
    if k1 is not None or k2 is not None:
        raise InputError("--k1/--k2 apply to stream training; add --stream or drop them")
    if resume is not None:
        run = checkpoint.load_run(resume)
        if checkpoint.resume_position(resume) is None:
            raise ModelFileError(
                f"{resume} has nothing to resume (no {checkpoint.OPTIMIZER}): the run finished "
                "or was never interrupted; start a new run with --out"
            )
        data, training = run.config.get("data"), run.config.get("training")
        try:
            opts = TrainOptions(**training)
            if "pairs" not in data and not {"cipher", "corpus"} <= set(data):
                raise ValueError("its data section names neither pairs nor corpus and cipher")
        except (TypeError, ValueError) as e:
            raise ModelFileError(f"{resume}/config.json cannot be resumed from ({e})") from None
        ds = _dataset_from_source(data, seed=opts.seed)
        mcfg = run.model_config
        out = resume
    else:
        if model not in ("seed", "char"):
            raise InputError(f"unknown model {model!r}; use seed or char")
        source = _source(cipher, key, corpus, pairs, max_len)
        ds = _dataset_from_source(source, seed=seed)
        try:
            mcfg = model_config(model, ds, hidden=hidden, embed=embed, cell=cell)
            opts = train_options(
                model,
                epochs=epochs,
                batch_size=batch_size,
                lr=lr,
                clip=clip,
                target_accuracy=target_accuracy,
                eval_every=eval_every,
                seed=seed,
                device=_device(device),
            )
        except ValueError as e:
            raise InputError(str(e)) from None
        out = out or Path("runs") / time.strftime(f"{model}-%Y%m%d-%H%M%S")
        if (out / checkpoint.WEIGHTS).exists():
            raise InputError(f"{out} already holds a run; choose another --out or remove it")
        checkpoint.prepare_dir(out)  # an unwritable --out fails before training starts
    from rnnlab.nn import distributed

    rank, world = distributed.setup(opts.device)
    say = echo if rank == 0 else (lambda *a, **k: None)
    par = f" in {world} processes" if world > 1 else ""
    say(
        f"Training {mcfg.kind} on {len(ds.train_pairs):,} pairs (validation {len(ds.val_pairs):,})"
        f"{par} -> {out}"
    )
    signals: list[int] = []
    try:
        res = _train_with_progress(ds, mcfg, opts, out, resume=resume is not None, signals=signals)
    except TrainingError as e:
        raise TrainingError(f"{e}; {_kept(out)}") from None
    finally:
        distributed.cleanup()
    _exit_if_interrupted(res, signals, out, say)
    say(
        f"Done ({res.history.stopped}): {res.parameters:,} parameters, "
        f"{res.history.train_seconds:.1f} s of training, validation character accuracy "
        f"{res.val_accuracy:.4%}"
        + (f", test {res.test_accuracy:.4%}" if res.test_accuracy is not None else "")
    )
    say(f"Saved to {out}/")


def _exit_if_interrupted(res, signals: list[int], out: Path, say=echo) -> None:
    """After Ctrl-C or SIGTERM: say where the checkpoint is and exit with 128 + the signal."""
    if res.history.stopped != "interrupted":
        return
    name = signal.Signals(signals[0]).name if signals else "a request to stop"
    say(f"Interrupted by {name}; saved a checkpoint. Continue with: rnnlab train --resume {out}")
    raise typer.Exit(128 + (signals[0] if signals else signal.SIGINT))


def _kept(out: Path) -> str:
    """Which checkpoint survives a training failure in `out`."""
    from rnnlab.nn import checkpoint

    at = checkpoint.resume_position(out)
    if at is None:
        return f"no checkpoint was saved in {out}"
    return (
        f"the last good checkpoint ({at[0]} epochs and {at[1]} steps in) is kept in {out}; "
        "train again with a lower --lr"
    )


def _source(cipher, key, corpus, pairs, max_len) -> dict:
    if pairs is not None:
        if cipher or key or corpus:
            raise InputError("--pairs already holds the cipher text; drop --cipher/--key/--corpus")
        return {"pairs": [str(pairs[0].resolve()), str(pairs[1].resolve())]}
    if cipher is None:
        raise InputError(
            "say what to learn: --cipher NAME --key K [--corpus FILE], or --pairs PLAIN CIPHER"
        )
    return {
        "corpus": str(corpus.resolve()) if corpus else "default",
        "cipher": cipher,
        "key": key,
        "max_len": max_len,
    }


def _dataset_from_source(source: dict, seed: int):
    from rnnlab.nn.pipeline import dataset_from_pairs, dataset_from_text
    from rnnlab.text.ciphers import make_cipher
    from rnnlab.text.corpus import default_text, load_text
    from rnnlab.text.pairs import read_pairs

    if "pairs" in source:
        plain, ciph = (Path(p) for p in source["pairs"])
        return dataset_from_pairs(read_pairs(plain, ciph), source={"pairs": source["pairs"]})
    c = make_cipher(source["cipher"], source.get("key"))
    text = default_text() if source["corpus"] == "default" else load_text(source["corpus"])
    return dataset_from_text(
        text,
        c,
        max_len=int(source.get("max_len", 100)),
        seed=seed,
        source={"corpus": source["corpus"]},
    )


def _wants_stream(stream: bool | None, cipher, key, pairs, resume) -> bool:
    """Whether `train` trains on streams: as the resumed run did; else as asked with
    --stream/--phrases; else for the ciphers with memory."""
    from rnnlab.nn.streams import MEMORY_CIPHERS
    from rnnlab.text.ciphers import make_cipher

    if resume is not None:
        from rnnlab.nn import checkpoint

        return bool(checkpoint.load_run(resume).memory)
    if pairs is not None:
        if stream:
            raise InputError("--stream needs --cipher and a corpus (pairs hold phrases)")
        return False
    if cipher is None:
        return False  # the phrase path says what is missing
    return stream if stream is not None else make_cipher(cipher, key).name in MEMORY_CIPHERS


def _train_stream(resume: Path | None, cipher, key, corpus, given: dict, device, out) -> None:
    """`train` for streams: a corpus enciphered as long messages, truncated BPTT, progress."""
    from rnnlab.nn import checkpoint, distributed
    from rnnlab.nn.models import ModelConfig
    from rnnlab.nn.streams import StreamOptions, stream_dataset, stream_recipe
    from rnnlab.nn.streams import train_stream_decipherer as trainer
    from rnnlab.text.ciphers import make_cipher
    from rnnlab.text.corpus import default_text, load_text

    if distributed.launched():
        raise InputError("stream training runs in one process; start it without torchrun")
    if resume is not None:
        run, out = checkpoint.load_run(resume), resume
        if checkpoint.resume_position(resume) is None:
            raise ModelFileError(f"{resume} has nothing to resume; start a new run with --out")
        source = run.config["data"]
        try:
            opts = StreamOptions.from_json(run.config["training"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelFileError(f"{resume}/config.json cannot be resumed from ({e})") from None
    else:
        where = str(corpus.resolve()) if corpus else "default"
        source = {"corpus": where, "cipher": cipher, "key": key}
    c = make_cipher(source["cipher"], source.get("key"))
    text = default_text() if source["corpus"] == "default" else load_text(source["corpus"])
    data = stream_dataset(text, c, source={"corpus": source["corpus"]})
    if resume is not None:
        mcfg = run.model_config
    else:
        try:
            sizes, opts = stream_recipe(c.name, device=_device(device), **given)
            vocab = {"src_vocab": data.src_vocab.size, "tgt_vocab": data.tgt_vocab.size}
            mcfg = ModelConfig(kind="char", **vocab, **sizes)
        except ValueError as e:
            raise InputError(str(e)) from None
        out = out or Path("runs") / time.strftime(f"{c.name}-%Y%m%d-%H%M%S")
        if (out / checkpoint.WEIGHTS).exists():
            raise InputError(f"{out} already holds a run; choose another --out or remove it")
        checkpoint.prepare_dir(out)
    echo(
        f"Training char ({mcfg.cell.upper()} {mcfg.hidden}) on {len(data.train_text):,} "
        f"characters enciphered as {c.name} messages, {opts.columns} side by side, "
        f"TBPTT({opts.k1}, {opts.k2}), {opts.epochs} epochs -> {out}"
    )
    signals: list[int] = []
    try:
        res = _train_with_progress(data, mcfg, opts, out, resume is not None, signals, trainer)
    except TrainingError as e:
        raise TrainingError(f"{e}; {_kept(out)}") from None
    _exit_if_interrupted(res, signals, out)
    echo(
        f"Done ({res.history.stopped}): {res.parameters:,} parameters, "
        f"{res.history.train_seconds:.1f} s of training; validation character accuracy "
        f"{res.val_accuracy:.4%}, test {res.test_accuracy:.4%} (whole and 100-character messages)"
    )
    echo(f"Saved to {out}/")
