"""Commands that train a decipherer: demo and train (registered on the app).

Each turns its options into a RunConfig (rnnlab.nn.recipes), trains it (rnnlab.nn.jobs) and
prints; nothing is computed here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from rnnlab.cli import _progress as progress
from rnnlab.cli._app import app, echo

Opt = typer.Option
TrainModel = Annotated[str | None, Opt("--model", "-m", help="seed, char or perchar (default: "
                       "perchar for a cipher without memory, else char)")]  # fmt: skip


@app.command()
def demo(
    out: Annotated[Path | None, Opt(help="run folder (default runs/demo-TIME)")] = None,
    seed: Annotated[int, Opt(help="random seed")] = 0,
    threads: Annotated[int | None, Opt(help="CPU threads for torch")] = None,
    quick: Annotated[bool, Opt(help="a tiny run, for smoke tests")] = False,
) -> None:
    """The main job on the built-in data: learn a Caesar shift of 3, decipher, save the run."""
    from rnnlab.nn import jobs, recipes, runs
    from rnnlab.nn.decode import Decipherer

    progress.threads(threads)
    t0 = time.perf_counter()
    tiny = {"limit": 400, "epochs": 12, "batch_size": 32} if quick else {}
    config = recipes.decipher_config(cipher="caesar", key="3", model="char",  # the GRU, shown
                                     target_accuracy=1.0, seed=seed, **tiny)  # fmt: skip
    out = runs.refuse_existing(out or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S"))
    p = jobs.prepare(config)
    runs.prepare_dir(out)  # an unwritable --out fails before training starts
    ds, n = p.dataset, sum(p.stats[k] for k in ("train", "val", "test"))
    aug = ", each also with line breaks, numbers, symbols" if p.stats["augmented"] else ""
    echo(f"Data: {n:,} phrases of English prose from Python's own documentation,\n"
         f"      enciphered with a Caesar shift of 3{aug};")  # fmt: skip
    echo(f"      train {p.stats['train']:,}, validation {p.stats['val']:,}, "
         f"test {p.stats['test']:,}; {len(ds.src_vocab)} distinct characters")  # fmt: skip
    m = p.config.model
    echo(f"Model: char (embedding {m.embed}, GRU {m.hidden}, linear {m.tgt_vocab})")
    signals: list[int] = []
    res = progress.with_progress(
        lambda cb, stop: jobs.train_run(config, out, cb, stop, prepared=p), signals
    )
    progress.exit_if_interrupted(res, signals, out)
    dec = Decipherer.from_run(runs.Run(out, p.config, res.model, p.vocabs))
    h = res.history
    echo(
        f"\nTrained {res.parameters:,} parameters in {h.train_seconds:.1f} s ({h.stopped}); "
        f"validation character accuracy {res.val_accuracy:.2%}"
    )
    echo("\nHeld-out test phrases:")
    progress.side_by_side([(c, dec.decipher(c), t) for c, t in ds.test_pairs[:6]])
    echo(f"Test character accuracy: {res.test_accuracy:.2%} over {len(ds.test_pairs):,} phrases")
    echo(f"\nThe assignment's example: dqgwzr -> {dec.decipher('dqgwzr')}")
    echo(f"\nSaved the run to {out}/ (model.safetensors, config.json, vocab.json, history.csv, "
         f"training.png) in {time.perf_counter() - t0:.1f} s in all.")  # fmt: skip
    echo("\nGo further:")
    for line in (f'rnnlab decipher --model {out} "Wkh txlfn eurzq ira."',
                 'rnnlab encrypt --cipher vigenere --key LEMON "attack at dawn"',
                 "rnnlab train --cipher affine --key 5,8 --out runs/affine",
                 "rnnlab summary --model seed --length 10 --vocab 26",
                 "rnnlab bptt --wh 1 --wx 0.1 --wy 2 --h0 1 --x 10 10 --y 5 5"):  # fmt: skip
        echo(f"  {line}")


@app.command()
def train(
    cipher: Annotated[str | None, Opt(help="cipher that makes the pairs from a corpus")] = None,
    key: Annotated[str | None, Opt(help="the cipher's key (see rnnlab encrypt --help)")] = None,
    corpus: Annotated[Path | None, Opt(help="UTF-8 text file (default: built-in corpus)")] = None,
    pairs: Annotated[tuple[Path, Path] | None, Opt(help="PLAIN CIPHER files, line by line")] = None,
    model: TrainModel = None,
    hidden: Annotated[int | None, Opt(help="recurrent units")] = None,
    embed: Annotated[int | None, Opt(help="embedding width (char)")] = None,
    cell: Annotated[str | None, Opt(help="gru, lstm or rnn (char)")] = None,
    epochs: Annotated[int | None, Opt(help="at most this many epochs")] = None,
    batch_size: Annotated[int | None, Opt(help="sequences per step")] = None,
    lr: Annotated[float | None, Opt(help="Adam learning rate")] = None,
    clip: Annotated[float | None, Opt(help="gradient norm clipping threshold")] = None,
    weight_decay: Annotated[float | None, Opt(help="decoupled weight decay (AdamW)")] = None,
    target_accuracy: Annotated[float | None, Opt(help="stop at this validation accuracy")] = None,
    eval_every: Annotated[int | None, Opt(help="also validate every N steps")] = None,
    max_len: Annotated[int, Opt(help="longest phrase cut from a corpus")] = 100,
    seed: Annotated[int, Opt(help="random seed")] = 0,
    threads: Annotated[int | None, Opt(help="CPU threads for torch")] = None,
    device: Annotated[str, Opt(help="auto, cpu or cuda")] = "auto",
    out: Annotated[Path | None, Opt(help="run folder to write")] = None,
    resume: Annotated[Path | None, Opt(help="continue the interrupted run in this folder")] = None,
    stream: Annotated[bool | None, Opt("--stream/--phrases", help="messages in columns with "
        "truncated BPTT (default for vigenere, autokey and progressive; --batch-size is then the "
        "number of columns), or phrases")] = None,  # fmt: skip
    letters: Annotated[bool | None, Opt("--letters/--all-characters", help="streams: the model "
        "reads the letters alone, the rest passed through (default), or every character")] = None,
    k1: Annotated[int | None, Opt(help="streams: an update every K1 characters")] = None,
    k2: Annotated[int | None, Opt(help="streams: backpropagate K2 characters")] = None,
    augment: Annotated[float | None, Opt(help="rate of case/line/number changes")] = None,
    offset: Annotated[float | None, Opt(help="streams: share from a random key offset")] = None,
    noise: Annotated[float | None, Opt(help="streams: share of characters drawn at random")] = None,
) -> None:
    """Train a decipherer from a corpus and a cipher, or from PLAIN/CIPHER pairs files."""
    from rnnlab.nn import distributed, jobs, recipes, runs

    progress.threads(threads)
    given = dict(cipher=cipher, key=key, corpus=corpus, pairs=pairs, hidden=hidden, embed=embed,
                 model=model, cell=cell, epochs=epochs, batch_size=batch_size, lr=lr, clip=clip,
                 weight_decay=weight_decay, target_accuracy=target_accuracy, eval_every=eval_every,
                 stream=stream, letters=letters, k1=k1, k2=k2, augment=augment, offset=offset,
                 noise=noise, out=out)  # fmt: skip
    if resume is not None:
        config, out = jobs.resume_config(resume, given), resume
    else:
        files = tuple(str(f.resolve()) for f in pairs) if pairs else None
        given |= {"corpus": str(corpus.resolve()) if corpus else None, "pairs": files}
        del given["out"]
        config = recipes.decipher_config(max_len=max_len, seed=seed,
                                         device=progress.device(device), **given)  # fmt: skip
        name = config.cipher.name if config.memory else config.model.kind
        out = runs.refuse_existing(out or Path("runs") / time.strftime(f"{name}-%Y%m%d-%H%M%S"))
    rank, world = distributed.setup(config.training.device)
    say = echo if rank == 0 else (lambda *a, **k: None)
    p = jobs.prepare(config)
    runs.prepare_dir(out)  # an unwritable --out fails before training starts
    say(f"Training {jobs.describe(p)}{f' in {world} processes' if world > 1 else ''} -> {out}")
    signals: list[int] = []
    try:
        job = lambda cb, stop: jobs.train_run(
            config, out, cb, stop, resume=resume is not None, prepared=p, figure_later=True
        )  # noqa: E731
        res = progress.with_progress(job, signals, show=rank == 0)
    finally:
        distributed.cleanup()
    progress.exit_if_interrupted(res, signals, out, say)
    test = "" if res.test_accuracy is None else f", test {res.test_accuracy:.4%}"
    how = " (whole and 100-character messages)" if config.memory else ""
    say(f"Done ({res.history.stopped}): {res.parameters:,} parameters, "
        f"{res.history.train_seconds:.1f} s of training{';' if how else ','} validation character "
        f"accuracy {res.val_accuracy:.4%}{test}{how}")  # fmt: skip
    say(f"Saved to {out}/" + (" (training.png follows)" if res.history.records else ""))
