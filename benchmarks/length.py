"""Length generalisation: decipherers trained on pieces of at most 100 characters of the built-in
corpus, evaluated on held-out text of another style cut into messages of 100, 1,000, 10,000 and
100,000 characters, each enciphered from the key's start and deciphered by `rnnlab decipher`'s
code path (the state carried through the whole message for ciphers with memory).

    python benchmarks/length.py [--quick] [--model NAME=RUN ...] [--runs DIR] [--text FILE]
                                [--out docs/figures] [--threads 2]

Models: caesar (key 3, phrases of at most 100 characters), vigenere (LEMON, 5 letters) and
vigenere8 (LEMONADE, 8 letters), autokey (a one-letter primer, K) and progressive (3,1), the
last four trained on streams whose gradients reach back 50 characters. Without --model NAME=RUN
a model is trained here (--runs DIR keeps the runs); --only picks some. Every length is scored
on the same first 100,000 held-out characters (10,000 with --quick), so each row counts the
same characters. Writes length.png, length.csv and length.json under --out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, table  # noqa: E402

from rnnlab.errors import RnnlabError  # noqa: E402
from rnnlab.fileio import atomic_write_json  # noqa: E402
from rnnlab.nn.decode import Decipherer  # noqa: E402
from rnnlab.nn.runfile import read_history  # noqa: E402
from rnnlab.nn.runs import Run, load_run  # noqa: E402
from rnnlab.text._codepoints import code_points  # noqa: E402
from rnnlab.text.ciphers import make_cipher  # noqa: E402
from rnnlab.text.corpus import default_text, load_text  # noqa: E402
from rnnlab.text.heldout import heldout_text  # noqa: E402

# name: (cipher, key, target character accuracy at every length, or None)
MODELS = {
    "caesar": ("caesar", "3", 0.999),
    "vigenere": ("vigenere", "LEMON", 0.999),
    "vigenere8": ("vigenere", "LEMONADE", 0.999),
    "autokey": ("autokey", "K", 0.99),
    "progressive": ("progressive", "3,1", None),
}
LETTERS = code_points("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
LENGTHS = (100, 1_000, 10_000, 100_000)
QUICK_LENGTHS = (100, 1_000, 10_000)


def train(name: str, quick: bool, runs: Path | None, seed: int = 0) -> Path | dict:
    """Train model `name` on the built-in corpus; its run folder (with --runs) or its parts."""
    import tempfile

    from rnnlab.nn import jobs, recipes

    cipher, key, _ = MODELS[name]
    out = runs / name if runs else None
    with tempfile.TemporaryDirectory() as tmp:
        if cipher == "caesar":
            given = {"limit": 400, "epochs": 3, "batch_size": 32} if quick else {}
        else:
            given = {"epochs": 2, "hidden": 32, "batch_size": 16} if quick else {}
            if quick:  # the first 40,000 characters of the corpus
                given["corpus"] = str(Path(tmp) / "corpus.txt")
                Path(given["corpus"]).write_text(default_text()[:40_000], encoding="utf-8")
        config = recipes.decipher_config(cipher=cipher, key=key, seed=seed, **given)
        res = jobs.train_run(config, out)
    run = Run(out, res.prepared.config, res.model, res.prepared.vocabs)
    parts = {"run": run, "memory": config.memory, "train_seconds": res.history.train_seconds,
             "parameters": res.parameters}  # fmt: skip
    return out if out else parts


def model_names(p, a, quick: str) -> tuple[list[str], dict[str, str]]:
    """The models to measure (--only, else those given as NAME=RUN, else all; --quick: `quick`)
    and the run folders given, by name (a run given may take any name)."""
    given = dict(m.split("=", 1) for m in a.model)
    default = quick if a.quick else ",".join(MODELS)
    names = a.only.split(",") if a.only else list(given) or default.split(",")
    if unknown := [n for n in names if n not in MODELS and n not in given]:
        p.error(f"unknown model {unknown[0]!r}; choose from {', '.join(MODELS)}")
    return names, given


def decipherer(model: Path | dict, sequential: bool = False) -> tuple[Decipherer, dict]:
    """A Decipherer for a run folder or for freshly trained parts, and facts about the model;
    a stream model that can run in windows side by side does so unless `sequential`."""
    if isinstance(model, dict):
        m = model
        facts = {k: m[k] for k in ("train_seconds", "parameters", "memory")} | {"seed": 0}
        return Decipherer.from_run(m["run"], sequential), facts
    run = load_run(model)
    history = read_history(model)
    seconds = history[-1]["train_seconds"] if history else float("nan")
    params = sum(p.numel() for p in run.model.parameters())
    facts = {"train_seconds": seconds, "parameters": params, "memory": run.memory,
             "seed": run.config.training.seed}  # fmt: skip
    if run.config.cipher is not None:  # the run's own cipher and key, whatever its name here
        facts |= {"cipher": run.config.cipher.name, "key": run.config.cipher.key}
    return Decipherer.from_run(run, sequential), facts


def corpus_test_text(cipher, memory: bool, seed: int = 0) -> str:
    """Text of the built-in corpus's own style that the model did not train on: the test part
    of a stream model's corpus, or the test phrases of a phrase model (one a line)."""
    if memory:
        from rnnlab.nn.streams import stream_dataset

        return stream_dataset(default_text(), cipher).test_text
    from rnnlab.nn.datasets import dataset_from_text

    ds = dataset_from_text(default_text(), cipher, seed=seed)
    return "\n".join(p for _, p in ds.test_pairs) + "\n"


def score(dec: Decipherer, cipher, text: str, length: int) -> dict:
    """`text` cut into messages of `length` characters, each enciphered from the key's start and
    deciphered on its own: accuracy over all characters and over letters, and the speed."""
    right = letters_right = letters = chars = 0
    t0 = time.perf_counter()
    for i in range(0, len(text), length):
        plain = text[i : i + length]
        got = dec.decipher(cipher.encrypt(plain))
        hit = code_points(got) == code_points(plain)  # (len(plain),)
        is_letter = np.isin(code_points(plain), LETTERS)
        right, chars = right + int(hit.sum()), chars + len(plain)
        letters_right += int(hit[is_letter].sum())
        letters += int(is_letter.sum())
    seconds = time.perf_counter() - t0
    return {
        "length": length,
        "messages": -(-len(text) // length),
        "characters": chars,
        "char_accuracy": right / chars,
        "letter_accuracy": letters_right / max(letters, 1),
        "chars_per_second": chars / seconds,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny models and texts (under a minute)")
    p.add_argument("--model", action="append", default=[], metavar="NAME=RUN", help="evaluate "
                   "this run folder as NAME instead of training it")  # fmt: skip
    p.add_argument("--only", help="comma-separated names (default: all; --quick: three)")
    p.add_argument("--runs", type=Path, help="keep the runs trained here in this folder")
    p.add_argument("--text", type=Path, help="held-out UTF-8 text (default: stdlib docstrings)")
    p.add_argument("--out", type=Path, help="folder for length.png/.csv/.json (default "
                   "docs/figures; with --quick nothing is written unless given)")  # fmt: skip
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    names, given = model_names(p, a, "caesar,vigenere,autokey")
    total = 10_000 if a.quick else 100_000
    lengths = QUICK_LENGTHS if a.quick else LENGTHS
    text = load_text(a.text) if a.text else heldout_text(total + 1)
    if len(text) < total:
        p.error(f"{a.text} has {len(text):,} characters; the benchmark needs {total:,}")
    text = text[:total]
    rows = []
    for name in names:
        cipher_name, key, target = MODELS.get(name, (None, None, None))
        model = Path(given[name]) if name in given else train(name, a.quick, a.runs)
        try:
            dec, facts = decipherer(model, sequential=True)  # the state carried throughout
        except RnnlabError as e:
            p.error(str(e))
        cipher_name, key = facts.pop("cipher", cipher_name), facts.pop("key", key)
        cipher = make_cipher(cipher_name, key)
        key = cipher.key_str
        own = corpus_test_text(cipher, facts["memory"], facts["seed"])
        same_style = score(dec, cipher, own, len(own))["char_accuracy"]
        for length in lengths:
            r = {"model": name, "cipher": cipher_name, "key": key, "target": target}
            r |= {**score(dec, cipher, text, length), "corpus_test_accuracy": same_style, **facts}
            rows.append(r)
            print(f"{name:>11} {length:>7,} characters: {r['char_accuracy']:.4%}", flush=True)
    pct = lambda x: f"{x:.3%}"  # noqa: E731
    shown = [
        {
            **r,
            "char_accuracy": pct(r["char_accuracy"]),
            "letter_accuracy": pct(r["letter_accuracy"]),
            "corpus_test_accuracy": pct(r["corpus_test_accuracy"]),
            "target": f">= {r['target']:.1%}" if r["target"] else "-",
            "chars_per_second": f"{r['chars_per_second']:,.0f}",
        }
        for r in rows
    ]
    cols = ["model", "key", "length", "messages", "char_accuracy", "letter_accuracy", "target"]
    cols += ["corpus_test_accuracy", "chars_per_second"]
    m = machine()
    source = str(a.text) if a.text else f"heldout_text(): stdlib docstrings, Python {m['python']}"
    print(f"# length generalisation on {total:,} characters of {source}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    print(table(shown, cols))
    report = {"benchmark": "length", "machine": m, "text": source, "quick": a.quick, "rows": rows}
    print("JSON " + json.dumps(report))
    out = a.out or (None if a.quick else Path("docs/figures"))
    if out is not None:
        from rnnlab.plots import line_plot

        out.mkdir(parents=True, exist_ok=True)
        series = {}
        for name in names:
            mine = [r for r in rows if r["model"] == name]
            label = f"{name} ({mine[0]['key']})"
            series[label] = ([r["length"] for r in mine], [100 * r["char_accuracy"] for r in mine])
        line_plot(
            out / "length.png",
            series,
            xlabel="message length (characters)",
            ylabel="character accuracy (%)",
            title="Accuracy on held-out text against message length",
            logx=True,
            hline=(99.9, "99.9%"),
            csv_path=out / "length.csv",
        )
        atomic_write_json(out / "length.json", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
