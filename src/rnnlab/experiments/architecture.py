"""The assignment's part 5a claim, that RNNs "perform much better than CNNs" on the cipher, put to
the test: a model with no context, a 1-D CNN, the GRU and a bidirectional GRU, trained alike on
a context-free cipher (Caesar) and on one whose shift depends on the letter's position
(Vigenere), each phrase enciphered from the key's start.

Each model is measured on the corpus's own test phrases (in distribution) and on held-out
English of another style (the standard library's docstrings, rnnlab.text.heldout; the
benchmark adds more texts), by letters: the cipher passes everything else through. Characters
the vocabulary lacks are set aside before the model reads a phrase, as `rnnlab decipher` does;
letters never are, so the key's phase is kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rnnlab.experiments.common import (
    Follow,
    Progress,
    Result,
    no_progress,
    one_thread,
    prepare_out,
    write_summary,
)
from rnnlab.fileio import atomic_write_csv
from rnnlab.nn.config import ModelConfig, TrainOptions
from rnnlab.nn.data import length_batches, phrase_data
from rnnlab.nn.datasets import Dataset, dataset_from_text
from rnnlab.nn.models import ConvModel, PerCharModel, build_model, count_parameters
from rnnlab.nn.train import fit
from rnnlab.text.ciphers import make_cipher
from rnnlab.text.corpus import default_text, phrases
from rnnlab.text.heldout import heldout_text
from rnnlab.text.pairs import fold, make_pairs

NAME = "architecture"
ARCHS = ("perchar", "cnn", "gru", "bigru")
LABELS = {"perchar": "per character (no context)", "cnn": "1-D CNN (2 layers, kernel 5)",
          "gru": "GRU", "bigru": "bidirectional GRU"}  # fmt: skip
CIPHERS = (("caesar", "3"), ("vigenere", "LEMON"))
EMBED, HIDDEN, KERNEL, CONV_LAYERS = 32, 64, 5, 2  # every model: embedding 32, width 64
LR, BATCH = 1e-2, 128  # Adam, clipped at norm 1, the same for every model
BUCKET = 10  # the figure's positions are averaged over this many characters of a phrase
IN_DIST = "corpus test"  # the name of the in-distribution rows


@dataclass(frozen=True)
class Settings:
    limit: int | None  # corpus phrases used (None: all 1,791 of the built-in corpus)
    epochs: int
    heldout_chars: int  # characters of each held-out text


FULL = Settings(None, 30, 60_000)
QUICK = Settings(1_500, 4, 3_000)


def build(arch: str, src: int, tgt: int) -> torch.nn.Module:
    if arch == "perchar":
        return PerCharModel(src, tgt, EMBED, HIDDEN)
    if arch == "cnn":
        return ConvModel(src, tgt, EMBED, HIDDEN, KERNEL, CONV_LAYERS)
    cfg = ModelConfig(kind="char", src_vocab=src, tgt_vocab=tgt, hidden=HIDDEN, embed=EMBED,
                      bidirectional=arch == "bigru")  # fmt: skip
    return build_model(cfg)


def known_pairs(ds: Dataset, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`pairs` with every character either vocabulary lacks set aside from both sides."""
    out = []
    for c, p in pairs:
        c, p = fold(c), fold(p)
        kept = np.flatnonzero(ds.src_vocab.known_mask(c) & ds.tgt_vocab.known_mask(p))
        if len(kept):
            out.append(("".join(c[i] for i in kept), "".join(p[i] for i in kept)))
    return out


@torch.no_grad()
def letter_hits(model, ds: Dataset, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Per position of a phrase (0..99): letters seen and letters deciphered right, both (L,)."""
    data = ds.encode(known_pairs(ds, pairs))
    is_letter = np.array([False] + [c.isalpha() for c in ds.tgt_vocab.chars])
    model.eval()
    width = data.src.shape[1]
    seen, right = np.zeros(width), np.zeros(width)
    # batches of similar lengths, each cut to its longest row, as in training: a bidirectional
    # model's backward pass must not read a long run of padding before the text
    for idx in length_batches(data.lengths, 512, None):
        w = max(int(data.lengths[idx].max()), 1)
        src, tgt = data.src[idx, :w], data.tgt[idx, :w]  # (b, w)
        guess = model(torch.from_numpy(src))[0].argmax(-1).numpy()  # (b, w)
        letters = is_letter[tgt]
        seen[:w] += letters.sum(0)
        right[:w] += (letters & (guess == tgt)).sum(0)
    return seen, right


def train_one(arch: str, ds: Dataset, cfg: Settings, seed: int, report) -> tuple:
    torch.manual_seed(seed * 1_000_003 + ARCHS.index(arch))
    model = build(arch, ds.src_vocab.size, ds.tgt_vocab.size)
    opts = TrainOptions(epochs=cfg.epochs, batch_size=BATCH, lr=LR, clip=1.0, seed=seed)
    data = phrase_data(ds.encode(ds.train_pairs), ds.encode(ds.val_pairs), BATCH, seed)
    follow = Follow(report, cfg.epochs, "step", "validation accuracy",
                    lambda m: m.char_accuracy, 4)  # fmt: skip
    history = fit(model, data, opts, follow)
    return model, history.train_seconds


def run(
    quick: bool = False,
    seed: int = 0,
    out: str | Path | None = None,
    progress: Progress | None = None,
    texts: dict[str, str] | None = None,
) -> Result:
    """Run the experiment and write architecture.csv, architecture_positions.csv,
    architecture.png and summary.md into `out` (default runs/experiments/architecture).
    `texts`: held-out texts by name (default: the docstrings).

    numbers: "accuracy/{cipher}/{arch}/{text}" (letters; text is "corpus test" or a held-out
    name), "params/{cipher}/{arch}", "seconds/{cipher}/{arch}"."""
    started = time.perf_counter()
    cfg = QUICK if quick else FULL
    report = progress or no_progress
    out = prepare_out(out or Path("runs/experiments") / NAME)
    texts = texts or {"docstrings": heldout_text(cfg.heldout_chars)}
    held = {name: phrases(t[: cfg.heldout_chars], max_len=100) for name, t in texts.items()}
    rows, positions, numbers = [], [], {}
    jobs = [(c, k, a) for c, k in CIPHERS for a in ARCHS]
    with one_thread():
        for j, (name, key, arch) in enumerate(jobs):
            cipher = make_cipher(name, key)
            ds = dataset_from_text(default_text(), cipher, seed=seed, limit=cfg.limit)

            def sub(f: float, message: str, j: int = j, label: str = f"{name}, {arch}") -> None:
                report((j + f) / len(jobs), f"{label}: {message}")

            model, seconds = train_one(arch, ds, cfg, seed, sub)
            params = count_parameters(model)
            numbers[f"params/{name}/{arch}"], numbers[f"seconds/{name}/{arch}"] = params, seconds
            for text, ps in {IN_DIST: None, **held}.items():
                pairs = ds.test_pairs if ps is None else make_pairs(ps, cipher)
                seen, right = letter_hits(model, ds, pairs)
                acc = right.sum() / max(seen.sum(), 1)
                numbers[f"accuracy/{name}/{arch}/{text}"] = float(acc)
                rows.append((name, key, arch, params, round(seconds, 2), text, int(seen.sum()),
                             int(seen.sum() - right.sum()), f"{acc:.6f}"))  # fmt: skip
                positions += [(name, arch, text, i, int(s), int(r))
                              for i, (s, r) in enumerate(zip(seen, right))]  # fmt: skip
    report(1.0, "writing the figure")
    files = _write(out, rows, positions, list(held))
    verdict = _verdict(numbers, list(held))
    files.append(write_summary(out / "summary.md", "RNN against CNN on the cipher",
                               _summary(cfg, seed, quick, rows, verdict)))  # fmt: skip
    return Result(NAME, quick, seed, verdict, numbers, files, time.perf_counter() - started)


def _write(out: Path, rows: list[tuple], positions: list[tuple], held: list[str]) -> list[Path]:
    from rnnlab.plots import Panel, panel_grid

    header = ("cipher", "key", "model", "parameters", "train_seconds", "text", "letters", "wrong",
              "accuracy")  # fmt: skip
    csv = atomic_write_csv(out / "architecture.csv", header, rows)
    pos = atomic_write_csv(
        out / "architecture_positions.csv",
        ("cipher", "model", "text", "position", "letters", "right"),
        positions,
    )
    panels = []
    for cipher, key in CIPHERS:
        for text in held:
            series = {}
            for arch in ARCHS:
                pts = [(i, s, r) for c, a, t, i, s, r in positions
                       if (c, a, t) == (cipher, arch, text)]  # fmt: skip
                xs, ys = [], []
                for b in range(0, len(pts), BUCKET):
                    s = sum(p[1] for p in pts[b : b + BUCKET])
                    if s:
                        xs.append(b + BUCKET / 2)
                        ys.append(sum(p[2] for p in pts[b : b + BUCKET]) / s)
                series[LABELS[arch]] = (xs, ys)
            panels.append(Panel(series, xlabel="position in the phrase (characters)",
                                ylabel="letter accuracy", title=f"{cipher} ({key}), {text}",
                                ylim=(0, 1.02)))  # fmt: skip
    png = panel_grid(
        out / "architecture.png",
        panels,
        ncols=len(panels),
        panel_size=(4.6, 3.4),
        title="Held-out letters deciphered right, by position in the phrase",
    )
    return [csv, pos, png]


def _verdict(v: dict[str, float], held: list[str]) -> list[str]:
    """One line per cipher, read from the worst held-out text of each model."""
    out = []
    for cipher, _ in CIPHERS:
        worst = {a: min(v[f"accuracy/{cipher}/{a}/{t}"] for t in held) for a in ARCHS}
        rnn, cnn = max(worst["gru"], worst["bigru"]), worst["cnn"]
        says = "holds" if rnn - cnn >= 0.01 else "barely holds" if rnn > cnn + 0.001 else "fails"
        out.append(
            f"{cipher}: the claim {says}: on held-out text the best recurrent model deciphers "
            f"{rnn:.3%} of letters, the CNN {cnn:.3%}, the model with no context "
            f"{worst['perchar']:.3%} (GRU {worst['gru']:.3%}, bidirectional {worst['bigru']:.3%})"
        )
    return out


def _summary(cfg: Settings, seed: int, quick: bool, rows: list[tuple], verdict) -> list[str]:
    part = "" if cfg.limit is None else f" (the first {cfg.limit})"
    lines = [f"{'Quick' if quick else 'Full'} run, seed {seed}: {cfg.epochs} epochs of the "
             f"built-in corpus's phrases{part}, "
             f"Adam {LR}, batch {BATCH}; held-out texts cut to {cfg.heldout_chars:,} characters.",
             "", *(f"- {line}" for line in verdict), "",
             "| cipher | model | parameters | training s | text | letters | wrong | accuracy |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, _, arch, params, secs, text, n, wrong, acc in rows:
        lines.append(f"| {name} | {LABELS[arch]} | {params:,} | {secs} | {text} | {n:,} | "
                     f"{wrong:,} | {float(acc):.3%} |")  # fmt: skip
    return lines
