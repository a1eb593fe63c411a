"""`crack`: from ciphertext alone to plaintext, cipher, key and a confidence, within a time limit.

It picks the solvers (all of them in turn for --cipher auto), pools their candidates, rescores
the best with the character language model and ranks them. The solvers are in solvers.py,
substitution.py, transposition.py and playfair.py; the scores in problem.py and lm.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnnlab.crack.detect import looks_monoalphabetic, looks_playfair, looks_transposed
from rnnlab.crack.ngram import corpus_tables, letter_codes, tables_ready
from rnnlab.crack.playfair import solve_playfair
from rnnlab.crack.problem import CRIB_BONUS, Problem, make_problem
from rnnlab.crack.solvers import (
    Progress,
    Solution,
    solve_affine,
    solve_beaufort,
    solve_caesar,
    solve_vigenere,
)
from rnnlab.crack.substitution import solve_substitution, unsettled
from rnnlab.crack.transposition import solve_columnar, solve_railfence
from rnnlab.errors import InputError
from rnnlab.text.ciphers import make_cipher

FAMILIES = ("auto", "caesar", "affine", "vigenere", "beaufort", "substitution", "columnar",
            "railfence", "playfair")  # fmt: skip
FLUENT = -3.2  # letter log-likelihood per symbol above which a decryption reads as English
FAMILY_COST = {"caesar": 0.0, "affine": 2.5, "vigenere": 0.0, "beaufort": 0.0,
               "substitution": 25.0, "columnar": 0.0, "railfence": 0.0,
               "playfair": 0.0}  # fmt: skip  (playfair pays for its square in its score)
CHEAP = ("vigenere", "beaufort", "railfence")  # in auto, a fraction of the time is plenty
LM_WEIGHT = 0.5  # weight of the language model's log-probability in the final ranking
RESCORE = 12  # candidates rescored by the language model
BUILD_TIME = 6.0  # time limit below which a first crack does not build the full tables (~3 s)
TextScorer = Callable[[list[str]], np.ndarray]  # texts -> log-probabilities (B,)


@dataclass(frozen=True)
class Candidate:
    """One decryption: the plaintext with case, spaces and punctuation kept, and its key."""

    plaintext: str
    cipher: str  # caesar | affine | vigenere | beaufort | substitution | columnar | railfence
    key: str  # as `rnnlab decrypt --key` takes it
    score: float  # final score in nats (higher is better)
    confidence: float  # 0..1: the share of belief among candidates, times how English it reads


@dataclass(frozen=True)
class CrackResult:
    """The best decryption, the runners-up, and what the search did."""

    best: Candidate
    candidates: list[Candidate]  # best first, best included
    detected: str  # what the letter statistics pointed to: a family, or "transposition"
    elapsed: float  # seconds
    evaluations: int  # candidate decryptions scored
    full_statistics: bool = True  # False: the full tables were not built yet (see crack)
    # substitution: the letters the text cannot settle, 'a/b' (the letter given, the other
    # reading), each swap scoring within UNSETTLED_MARGIN of the best (substitution.unsettled)
    ambiguous: list[str] = field(default_factory=list)


def crack(
    text: str,
    cipher: str = "auto",
    crib: str | None = None,
    time_limit: float = 10.0,
    candidates: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
    lm: TextScorer | None | bool = True,
) -> CrackResult:
    """Decipher `text` without its key; stops within `time_limit` seconds with the best found.

    cipher: a family, or 'auto' to try them in the order the letter statistics suggest.
    crib: a word or phrase known to be in the plaintext. lm: a text scorer, True for the shipped
    character model, False or None for n-gram statistics alone.
    """
    start = time.monotonic()
    family = cipher.strip().lower()
    if family not in FAMILIES:
        raise InputError(f"unknown cipher {cipher!r}; choose one of {', '.join(FAMILIES)}")
    if time_limit <= 0:
        raise InputError(f"--time-limit must be positive; got {time_limit}")
    if not text.strip():
        raise InputError("the ciphertext is empty; give some text to crack")
    letters = letter_codes(text)
    if len(letters) == 0:
        raise InputError("the ciphertext has no letters A-Z; only letters can be deciphered")
    scorer = _language_model() if lm is True else (lm or None)
    reserve = min(0.25 * time_limit, 0.3 + 0.1 * time_limit) if scorer else 0.05 * time_limit
    deadline = start + time_limit - reserve
    # The full statistics take about 3 s to build on first use (then they are cached); a shorter
    # time limit than that uses the corpus's own tables this once, so it is still kept.
    full = time_limit >= BUILD_TIME or tables_ready()
    problem = make_problem(text, crib, None if full else corpus_tables())
    rng = np.random.default_rng(seed)
    mono = looks_monoalphabetic(letters)
    moved = looks_transposed(letters, problem.scorer.tables.mono)
    detected = "transposition" if moved else "substitution" if mono else "vigenere"
    if not moved and looks_playfair(letters):  # even, no J, no pair of one letter twice
        detected = "playfair"

    def report(_: float, message: str) -> None:  # progress is the share of the time limit used
        if progress:
            progress(min(1.0, (time.monotonic() - start) / time_limit), message)

    pool = _search(problem, family, (mono, moved), deadline, rng, report)
    if family == "auto" and pool:
        best = max(pool, key=_ranking)
        if best.family in ("caesar", "affine") and _fluent(problem, best):
            detected = best.family
    ranked = _rank(problem, pool, scorer, max(candidates, RESCORE), report)
    out = ranked[: max(candidates, 1)]
    ambiguous = _ambiguous(problem, pool, out[0])
    elapsed = time.monotonic() - start
    return CrackResult(out[0], out, detected, elapsed, problem.evaluations, full, ambiguous)


def _ambiguous(problem: Problem, pool: list[Solution], best: Candidate) -> list[str]:
    """The unsettled letters of the best decryption, when it is a substitution."""
    if best.cipher != "substitution":
        return []
    sol = next(s for s in pool if s.family == "substitution" and s.key == best.key)
    return unsettled(problem, sol.plain)


def _search(
    problem: Problem,
    family: str,
    looks: tuple[bool, bool],
    deadline: float,
    rng: np.random.Generator,
    report: Progress,
) -> list[Solution]:
    """Run the solvers `family` calls for; for 'auto', the cheap ones first, then in the order
    the letter statistics suggest (`looks`: one alphabet, letters only moved), stopping when
    one reads as English."""
    one = {"caesar": lambda: solve_caesar(problem), "affine": lambda: solve_affine(problem),
           "railfence": lambda: solve_railfence(problem),
           "vigenere": lambda: solve_vigenere(problem, deadline, rng, progress=report),
           "beaufort": lambda: solve_beaufort(problem, deadline, rng, progress=report),
           "columnar": lambda: solve_columnar(problem, deadline, rng, progress=report),
           "playfair": lambda: solve_playfair(problem, deadline, rng, progress=report),
           "substitution": lambda: solve_substitution(
               problem, deadline, rng, progress=report,
               seeds=crib_seeds(problem) if problem.crib is not None else None)}  # fmt: skip
    if family != "auto":
        return one[family]()
    report(0.0, "caesar and affine: every key")
    pool = solve_caesar(problem) + [s for s in solve_affine(problem) if not s.key.startswith("1,")]
    if _fluent(problem, max(pool, key=_ranking)):
        return pool
    mono, moved = looks
    order = ["substitution", "vigenere", "beaufort"] if mono else [
        "vigenere", "beaufort", "substitution"]  # fmt: skip
    if moved:
        order = ["railfence", "columnar", *order]
    elif looks_playfair(letter_codes(problem.text)):  # even, no J, no double: most likely it
        order = ["playfair", *order]
    for i, name in enumerate(order):
        now = time.monotonic()
        if now >= deadline:
            break
        left = deadline - now
        if i == len(order) - 1:
            stop = deadline
        elif name in CHEAP:  # (the rail fence tries every fence whatever the time)
            stop = now + max(min(1.0, left), 0.4 * left)
        else:  # keep a little for the rest in case the statistics misled
            stop = deadline - min(1.0 * (len(order) - 1 - i), 0.15 * left)
        found = _search(problem, name, looks, stop, rng, report)
        pool += found
        if found and _fluent(problem, found[0]):
            break
    return pool


def _ranking(s: Solution) -> float:
    return s.score - FAMILY_COST[s.family] * (s.family != "affine" or not s.key.startswith("1,"))


def _fluent(problem: Problem, s: Solution) -> bool:
    return float(problem.fluency(s.plain[None, :])[0]) > FLUENT


def _rank(
    problem: Problem,
    pool: list[Solution],
    scorer: TextScorer | None,
    k: int,
    report: Progress,
) -> list[Candidate]:
    """Distinct plaintexts, best k by search score, rescored by the language model, with
    confidences."""
    seen: dict[str, tuple[float, Solution]] = {}
    for s in sorted(pool, key=_ranking, reverse=True):
        plain = make_cipher(s.family, s.key).decrypt(problem.text)
        if plain not in seen:
            seen[plain] = (_ranking(s), s)
        if len(seen) >= k:
            break
    texts = list(seen)
    scores = np.array([seen[t][0] for t in texts])
    if scorer is not None and len(texts) > 1:
        report(1.0, "rescoring with the language model")
        scores = scores + LM_WEIGHT * np.asarray(scorer(texts), dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    share = np.exp(scores[order] - scores[order].max())
    share /= share.sum()
    out = []
    for rank, i in enumerate(order):
        sol = seen[texts[i]][1]
        fluency = float(problem.fluency(sol.plain[None, :])[0])
        english = 1.0 / (1.0 + math.exp(-(fluency - FLUENT - 0.2) / 0.15))
        if problem.crib is not None and seen[texts[i]][0] < CRIB_BONUS / 2:
            english *= 0.5  # the crib was not found in this decryption
        out.append(
            Candidate(
                texts[i], _family_name(sol), sol.key, float(scores[i]), float(share[rank] * english)
            )
        )
    return out


def _family_name(s: Solution) -> str:
    if s.family == "affine" and s.key.startswith("1,"):
        return "caesar"
    return s.family


def crib_seeds(problem: Problem, limit: int = 8) -> list[dict[int, int]]:
    """Partial substitution maps {cipher letter: plain letter} that put the crib at a place in
    the ciphertext where word breaks and letter patterns agree, whole words first; at most
    `limit`."""
    crib = problem.crib
    if crib is None or len(crib) == 0:
        return [{}]
    s, m = problem.stream, len(crib)
    whole, part = [], []
    for o in range(1, len(s) - m):
        seg = s[o : o + m]
        if not np.array_equal(seg == 26, crib == 26):
            continue
        forward: dict[int, int] = {}
        backward: dict[int, int] = {}
        ok = True
        for x, y in zip(seg[seg != 26].tolist(), crib[crib != 26].tolist(), strict=True):
            if forward.setdefault(x, y) != y or backward.setdefault(y, x) != x:
                ok = False
                break
        if ok:
            at_word = s[o - 1] == 26 and s[o + m] == 26
            group = whole if at_word else part
            if forward not in group:
                group.append(forward)
    seeds = (whole + part)[:limit]
    return seeds or [{}]


def _language_model() -> TextScorer | None:
    """The shipped character language model's scorer, or None if it cannot be loaded."""
    try:
        from rnnlab.crack.lm import default_scorer
    except ImportError:
        return None
    return default_scorer()
