"""Held-out English in styles the built-in corpus lacks: every decipherer on every text, each text
enciphered as one message from the key's start and deciphered by `rnnlab decipher`'s code path.

    python benchmarks/heldout.py [--quick] [--model NAME=RUN ...] [--runs DIR] [--only a,b]
                                 [--texts play,bible,...] [--out docs/figures] [--threads 2]

The texts and their licences are in heldout_sources.py; they are read at benchmark time from
packages installed for the benchmark alone (a text whose package is missing is skipped, and the
line printed says how to install it). For each model and text: letter accuracy over the first
1,000, 10,000 and 100,000 characters, the longest run of consecutive wrong letters, the worst
1,000-character window, and the classes of the characters the errors fall on. Models as in
benchmarks/length.py (trained here unless given as NAME=RUN). Writes heldout.csv,
heldout_positions.csv, heldout.png and heldout.json under --out.
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, table  # noqa: E402
from heldout_sources import SOURCES  # noqa: E402
from length import MODELS, decipherer, model_names, train  # noqa: E402

from rnnlab.fileio import atomic_write_csv, atomic_write_json  # noqa: E402
from rnnlab.text._codepoints import code_points  # noqa: E402
from rnnlab.text.ciphers import make_cipher  # noqa: E402

PREFIXES, QUICK_PREFIXES = (1_000, 10_000, 100_000), (1_000, 10_000)
WINDOW = 1_000  # characters a point of the position figure averages over
CLASSES = {  # the class of the true character an error falls on
    "lower": string.ascii_lowercase, "upper": string.ascii_uppercase, "digit": string.digits,
    "space": " \t\n\r", "punctuation": string.punctuation,
}  # fmt: skip
LETTERS = code_points(string.ascii_letters)


def _class(ch: str) -> str:
    return next((name for name, chars in CLASSES.items() if ch in chars), "other")


def longest_run(wrong: np.ndarray) -> tuple[int, int]:
    """The longest run of True in `wrong` (n,) bool: (length, index of its first element)."""
    padded = np.concatenate([[False], wrong, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))  # starts and ends, alternating
    if len(edges) == 0:
        return 0, -1
    lengths = edges[1::2] - edges[0::2]
    best = int(np.argmax(lengths))
    return int(lengths[best]), int(edges[0::2][best])


def measure(dec, cipher, text: str, prefixes: tuple[int, ...]) -> tuple[dict, list]:
    """One model on one text, deciphered as one message: the row and the (position, letter
    accuracy) points of each window of WINDOW characters."""
    got = dec.decipher(cipher.encrypt(text))
    p, g = code_points(text), code_points(got)
    letter = np.isin(p, LETTERS)  # (n,)
    wrong = p != g
    row = {f"letters_{n}": 1 - float(wrong[:n][letter[:n]].mean()) for n in prefixes}
    row["chars_100000" if len(text) >= 100_000 else "chars"] = 1 - float(wrong.mean())
    run, at = longest_run(wrong[letter])
    row["longest_wrong_letters"] = run
    if run:
        i = int(np.flatnonzero(letter)[at])  # where the run starts in the text
        lo, hi = max(0, i - 30), min(len(text), i + 60)
        row["worst_run_plain"], row["worst_run_got"] = text[lo:hi], got[lo:hi]
    classes: dict[str, int] = {}
    for i in np.flatnonzero(wrong):
        classes[_class(text[i])] = classes.get(_class(text[i]), 0) + 1
    row["errors"] = classes
    points = []
    for start in range(0, len(text) - WINDOW + 1, WINDOW):
        span = letter[start : start + WINDOW]
        if span.any():
            acc = 1 - float(wrong[start : start + WINDOW][span].mean())
            points.append((start + WINDOW, acc))
    row["worst_window"] = min((a for _, a in points), default=float("nan"))
    return row, points


def texts(names: list[str], total: int) -> list[tuple[object, str]]:
    """The available sources among `names`, each cut to its first `total` characters."""
    out = []
    for source in SOURCES:
        if source.name not in names:
            continue
        text = source.read()
        if text is None or len(text) < total:
            print(f"skipped {source.name}: not installed ({source.install})", flush=True)
            continue
        out.append((source, text[:total]))
    return out


def _shown(rows: list[dict], prefixes: tuple[int, ...]) -> list[dict]:
    pct = lambda x: f"{x:.3%}"  # noqa: E731
    shown = []
    for r in rows:
        s = {"model": r["model"], "text": r["text"],
             "deciphered": "in windows" if r.get("windows") else "in one pass",
             "longest run": r["longest_wrong_letters"]}  # fmt: skip
        s |= {f"letters {n:,}": pct(r[f"letters_{n}"]) for n in prefixes}
        s["worst 1,000"] = pct(r["worst_window"])
        s["errors by class"] = ", ".join(f"{k} {v}" for k, v in sorted(r["errors"].items()))
        shown.append(s)
    return shown


def _write(out: Path, rows: list[dict], points: dict, report: dict) -> None:
    from rnnlab.plots import Panel, panel_grid

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "heldout.json", report)
    flat = [{k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in r.items()} for r in rows]
    header = sorted({k for r in flat for k in r})
    atomic_write_csv(out / "heldout.csv", header, [[r.get(k, "") for k in header] for r in flat])
    atomic_write_csv(out / "heldout_positions.csv", ["model", "text", "position", "accuracy"],
                     [[m, t, x, y] for (m, t), pts in points.items() for x, y in pts])  # fmt: skip
    panels = []
    for text in dict.fromkeys(t for _, t in points):
        series = {m: ([x for x, _ in pts], [100 * y for _, y in pts])
                  for (m, t), pts in points.items() if t == text}  # fmt: skip
        axes = ("position in the stream (characters)", "letter accuracy (%)")
        panels.append(Panel(series, *axes, title=text, hlines=[(99.95, "99.95%")]))
    title = f"Letter accuracy in windows of {WINDOW:,} characters, held-out text"
    panel_grid(out / "heldout.png", panels, ncols=3, sharey=True, title=title)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="small models, 10,000 characters a text")
    p.add_argument("--model", action="append", default=[], metavar="NAME=RUN")
    p.add_argument("--only", help="comma-separated model names (default: all; --quick: two)")
    p.add_argument("--texts", help="comma-separated texts (default: every one installed)")
    p.add_argument("--runs", type=Path, help="keep the runs trained here in this folder")
    p.add_argument("--out", type=Path, help="folder for the figure and tables (default "
                   "docs/figures; with --quick nothing is written unless given)")  # fmt: skip
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--sequential", action="store_true",
                   help="stream models in one pass, never in windows side by side")  # fmt: skip
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    names, given = model_names(p, a, "caesar,vigenere")
    total, prefixes = (10_000, QUICK_PREFIXES) if a.quick else (100_000, PREFIXES)
    chosen = texts(a.texts.split(",") if a.texts else [s.name for s in SOURCES], total)
    rows, points = [], {}
    for name in names:
        model = Path(given[name]) if name in given else train(name, a.quick, a.runs)
        dec, facts = decipherer(model, a.sequential)
        cipher = make_cipher(*(facts.pop(k) if k in facts else MODELS[name][i]
                               for i, k in enumerate(("cipher", "key"))))  # fmt: skip
        for source, text in chosen:
            row, pts = measure(dec, cipher, text, prefixes)
            rows.append({"model": name, "key": cipher.key_str, "text": source.name,
                         "windows": dec.period is not None, **row})  # fmt: skip
            points[(name, source.name)] = pts
            print(f"{name:>11} {source.name:>10}: letters {row[f'letters_{total}']:.4%}, longest "
                  f"wrong run {row['longest_wrong_letters']}", flush=True)  # fmt: skip
    m = machine()
    sources = [{"text": s.name, "style": s.style, "origin": s.origin, "licence": s.licence,
                "characters": len(t)} for s, t in chosen]  # fmt: skip
    print(f"# held-out text, {total:,} characters a text")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    print(table(_shown(rows, prefixes), list(_shown(rows[:1], prefixes)[0]) if rows else []))
    report = {"benchmark": "heldout", "machine": m, "quick": a.quick, "sources": sources,
              "sequential": a.sequential,
              "rows": rows}  # fmt: skip
    print("JSON " + json.dumps(report))
    out = a.out or (None if a.quick else Path("docs/figures"))
    if out is not None and rows:
        _write(out, rows, points, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
