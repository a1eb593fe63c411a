"""Fuzzing with hypothesis: ciphers and their keys, the vocabulary, padding and decoding take any
input and either work or raise our one-line errors; the command line, given arbitrary argument
lists and input bytes, exits 0 or 2 and never prints a traceback.

The command-line fuzz leaves out the commands that train or search for minutes (demo, train,
crack, lm, experiment); their error paths are pinned in test_robust_bad_input.py.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnlab.errors import InputError, ModelFileError
from rnnlab.text.ciphers import CIPHER_NAMES, make_cipher
from rnnlab.text.vocab import Vocab, pad

KEYS = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["3", "-29", "5,8", "13,2", "2,1", "LEMON", "zebra", "", " ", "3.5", "5,"]),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
)


def _one_line(e: Exception) -> None:
    assert str(e) and "\n" not in str(e)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from([*CIPHER_NAMES, "shift", "ROT13", "enigma", ""]),
    key=KEYS,
    text=st.text(),
    cut=st.integers(0, 50),
)
def test_any_cipher_and_key_either_round_trips_or_says_why_in_one_line(name, key, text, cut):
    try:
        cipher = make_cipher(name, key)
    except InputError as e:
        _one_line(e)
        return
    secret = cipher.encrypt(text)
    if cipher.lossy:  # Playfair: J read as I, fillers put in; its own ciphertext comes back
        assert cipher.encrypt(cipher.decrypt(secret)) == secret
    else:
        assert len(secret) == len(text) and cipher.decrypt(secret) == text
    if cipher.whole_text:  # a transposition refuses to stream, saying so in one line
        with pytest.raises(InputError) as err:
            cipher.stream()
        _one_line(err.value)
    else:
        enc = cipher.stream()
        assert enc(text[:cut]) + enc(text[cut:]) == secret
    assert make_cipher(cipher.name, cipher.key_str or None) == cipher


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)
NEAR_VOCAB = st.fixed_dictionaries(
    {
        "format": st.sampled_from(["rnnlab-vocab", "other", 1]),
        "version": st.one_of(st.just(1), JSONISH),
        "chars": st.one_of(st.lists(st.one_of(st.characters(), st.text(max_size=2), JSONISH)),
                           JSONISH),
    }
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(d=st.one_of(JSONISH, NEAR_VOCAB))
def test_any_vocabulary_json_loads_or_is_refused_as_a_model_file_error(d):
    try:
        v = Vocab.from_json(d)
    except ModelFileError as e:
        _one_line(e)
        return
    assert Vocab.from_json(v.to_json()) == v


@settings(max_examples=200, deadline=None)
@given(corpus=st.lists(st.text(min_size=1), min_size=1, max_size=4), text=st.text())
def test_encode_refuses_exactly_the_unknown_characters_and_decode_inverts_it(corpus, text):
    v = Vocab.fit(corpus)
    known = v.known_mask(text)
    assert known.shape == (len(text),)
    kept = "".join(c for c, k in zip(text, known) if k)
    assert v.decode(v.encode(kept)) == kept
    if known.all():
        assert v.decode(v.encode(text)) == text
    else:
        with pytest.raises(InputError, match="not in the vocabulary"):
            v.encode(text)


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.integers(-5, 40), max_size=20), size=st.integers(1, 30))
def test_decode_of_any_ids_is_text_or_one_line(ids, size):
    v = Vocab(chr(ord("a") + i) for i in range(size))
    try:
        text = v.decode(np.array(ids, dtype=np.int64))
    except InputError as e:
        _one_line(e)
        assert any(i < 0 or i > size for i in ids)
        return
    assert len(text) == sum(1 for i in ids if i != 0)


@settings(max_examples=200, deadline=None)
@given(
    seqs=st.lists(st.lists(st.integers(0, 9), max_size=8), max_size=6),
    length=st.one_of(st.none(), st.integers(-3, 10)),
)
def test_pad_of_any_sequences_fits_them_or_says_why(seqs, length):
    arrays = [np.array(s, dtype=np.int64) for s in seqs]
    try:
        out = pad(arrays, length)
    except InputError as e:
        _one_line(e)
        assert (length is not None and length < 0) or any(len(s) > length for s in seqs)
        return
    width = max(map(len, seqs), default=0) if length is None else length
    assert out.shape == (len(seqs), width)
    for row, s in zip(out, seqs):
        assert list(row[: len(s)]) == s and not row[len(s) :].any()


@pytest.fixture(scope="module")
def tiny(tiny_run):
    """The tiny run's decipherer (small batches, so that texts span several) and its run."""
    from rnnlab.nn.decode import Decipherer
    from rnnlab.nn.runs import load_run

    run = load_run(tiny_run)
    return Decipherer.from_run(run, batch_chars=64), run


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=4))
def test_decoding_any_text_keeps_its_length_unknowns_and_chunking(tiny, text, cuts):
    from rnnlab.text.pairs import fold

    decipherer, run = tiny
    out, conf = decipherer.decipher_with_confidence(text)
    assert len(out) == len(text) and conf.shape == (len(text),)
    assert ((conf >= 0) & (conf <= 1)).all()
    known = run.vocabs.source.known_mask(fold(text))  # the others pass through unchanged
    assert all(a == b for a, b, k in zip(text, out, known) if not k)
    stream, pieces = decipherer.stream(), []
    for lo, hi in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)]):
        pieces.append(stream.feed(text[lo:hi])[0])
    pieces.append(stream.close()[0])
    assert "".join(pieces) == out


# ---- the command line


@pytest.fixture(scope="module")
def places(tiny_run, tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("fuzz")
    made = {"empty": b"", "latin1": b"caf\xe9", "text": b"Wkh hqg.\nDqg wzr\n", "digits": b"42"}
    for name, data in made.items():
        (d / name).write_bytes(data)
    (d / "plain").write_text("and two\nthe end\n")
    (d / "cipher").write_text("dqg wzr\nwkh hqg\n")
    named = {k: str(d / k) for k in [*made, "plain", "cipher"]}
    return {"run": str(tiny_run), "missing": str(d / "missing"), "folder": str(d),
            "out": str(d / "out" / "o.txt"), **named}  # fmt: skip


COMMANDS = ["encrypt", "decrypt", "decipher", "evaluate", "summary", "bptt", "nonsense", "", "-"]
OPTIONS = [
    "-c", "--cipher", "-k", "--key", "-i", "--input", "-o", "--output", "-m", "--model",
    "--confidence", "--threshold", "--threads", "--pairs", "--json", "--length", "--vocab",
    "--src-vocab", "--hidden", "--wh", "--wx", "--wy", "--h0", "--x", "--y", "--activation",
    "--loss", "--format", "--spec", "--help", "--debug-not", "--", "-",
]  # fmt: skip
WORDS = [*CIPHER_NAMES, "3", "-3", "5,8", "13,2", "LEMON", "", "seed", "char", "tanh", "json"]
NUMBER = st.one_of(st.integers(-3, 300).map(str), st.floats(-1e3, 1e3).map(repr))


def _grammar(places: dict[str, str]) -> dict[str, dict[str, st.SearchStrategy]]:
    """Options of each command with values mostly of the right kind, sometimes of the wrong."""
    path = st.sampled_from(sorted(places.values()))
    text = st.one_of(st.text(max_size=30), st.sampled_from(["Wkh hqg.", "123", "Жжж", ""]))
    cipher = {"-c": st.sampled_from([*CIPHER_NAMES, "shift", "enigma"]), "-k": KEYS.map(str),
              "-i": path, "-o": st.sampled_from([places["out"], places["folder"], places["text"]]),
              "": text}  # fmt: skip
    floats = st.lists(NUMBER, min_size=1, max_size=4).map(" ".join)
    return {
        "encrypt": cipher,
        "decrypt": cipher,
        "decipher": {"-m": st.one_of(st.just(places["run"]), path), "-i": path, "": text,
                     "--confidence": st.just(""), "--threshold": NUMBER,
                     "--threads": st.sampled_from(["1", "0", "-1", "x"])},
        "evaluate": {"-m": st.one_of(st.just(places["run"]), path), "--json": st.just(""),
                     "--pairs": st.tuples(path, path).map(" ".join)},
        "summary": {"--model": st.one_of(st.sampled_from(["seed", "char", "gpt"]), path),
                    "--length": NUMBER, "--vocab": NUMBER, "--src-vocab": NUMBER,
                    "--hidden": NUMBER},
        "bptt": {"--wh": NUMBER, "--wx": NUMBER, "--wy": NUMBER, "--h0": NUMBER, "--x": floats,
                 "--y": floats, "--activation": st.sampled_from(["identity", "tanh", "relu", "x"]),
                 "--loss": st.sampled_from(["sse", "mse", "cross_entropy", "x"]),
                 "--format": st.sampled_from(["text", "markdown", "json", "x"])},
    }  # fmt: skip


def _argv(places: dict[str, str]):
    """Argument lists: options and values after a command's grammar, or any tokens at all."""
    value = st.one_of(
        st.sampled_from(OPTIONS),
        st.sampled_from(WORDS),
        st.sampled_from(sorted(places.values())),
        NUMBER,
        st.text(max_size=12),
    )
    free = st.tuples(st.sampled_from(COMMANDS), st.lists(value, max_size=8)).map(
        lambda t: [t[0], *t[1]]
    )

    def shaped(command: str, options: dict[str, st.SearchStrategy]):
        def pair(option: str):
            def tokens(v: str) -> list[str]:
                if option == "":
                    return ["--", v] if v.startswith("-") else [v]
                return [option, *(v.split(" ") if v and " " in v else [v] if v else [])]

            return options[option].map(tokens)

        needed = st.tuples(*(pair(o) for o in REQUIRED.get(command, ())))
        more = st.lists(st.sampled_from(sorted(options)).flatmap(pair), max_size=4)
        parts = st.tuples(needed, more).map(lambda t: [*t[0], *t[1]])
        return parts.map(lambda ps: [command, *(t for p in ps for t in p)])

    grammar = _grammar(places)
    return st.one_of(free, *(shaped(c, o) for c, o in grammar.items()))


REQUIRED = {
    "encrypt": ["-c", "-k"],
    "decrypt": ["-c", "-k"],
    "decipher": ["-m"],
    "evaluate": ["-m", "--pairs"],
    "bptt": ["--wh", "--wx", "--wy", "--x", "--y"],
}


@pytest.fixture(scope="module")
def argv_strategy(places):
    return _argv(places)


def test_the_command_line_never_shows_a_traceback_for_any_arguments_and_input(
    places, argv_strategy
):
    import torch

    from rnnlab.cli import main

    threads = torch.get_num_threads()

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(argv=argv_strategy, data=st.binary(max_size=200))
    def run(argv, data):
        out, err = io.StringIO(), io.StringIO()
        stdin = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(data))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(argv))
        finally:
            sys.stdin = stdin
            torch.set_num_threads(threads)
        text = out.getvalue() + err.getvalue()
        assert code in (0, 2), (argv, code, text)
        assert "Traceback" not in text and "internal error" not in text, (argv, text)

    run()
    assert Path(places["run"], "model.safetensors").is_file()  # the run was never touched
