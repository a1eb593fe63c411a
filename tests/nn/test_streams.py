"""Stream training of decipherers: the epoch layout, options, resuming, and a stream-trained run
deciphered and evaluated end to end through the command line."""

from __future__ import annotations

import json
import re
import string

import numpy as np
import pytest
import torch

from rnnlab.cli import main
from rnnlab.nn import jobs, recipes
from rnnlab.nn.config import TrainOptions
from rnnlab.nn.data import IGNORE, Piece
from rnnlab.nn.decode import Decipherer
from rnnlab.nn.models import build_model
from rnnlab.nn.runs import load_run
from rnnlab.nn.schedule import cosine
from rnnlab.nn.streams import stream_dataset
from rnnlab.nn.train import evaluate, keep_rows
from rnnlab.text.ciphers import Vigenere, make_cipher
from rnnlab.text.corpus import default_text
from rnnlab.text.pairs import fold


@pytest.fixture(scope="module")
def text() -> str:
    return default_text()[:30_000]


def tiny(corpus, cipher: str, key: str, **given):
    """A stream run's config on the text in the file `corpus`."""
    return recipes.decipher_config(cipher=cipher, key=key, corpus=str(corpus), **given)


def pieces(src, tgt) -> list[Piece]:
    return [Piece(src, np.where(tgt == 0, IGNORE, tgt))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bd_run(tmp_path_factory, corpus):
    """A run trained on a two-letter Vigenere key (a few seconds)."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("runs") / "bd"
    config = tiny(corpus, "vigenere", "BD", hidden=64, embed=16, epochs=20, batch_size=16, lr=2e-2)
    res = jobs.train_run(config, out)
    return out, res


def test_the_corpus_is_cut_into_contiguous_parts_and_the_alphabet_is_known(text):
    data = stream_dataset(text, Vigenere("LEMON"))
    assert data.train_text + data.val_text + data.test_text == text
    assert len(data.val_text) == pytest.approx(0.05 * len(text), abs=2)
    assert data.fold_case and all(c in data.src_vocab for c in "abcdefghijklmnopqrstuvwxyz")


def test_every_message_of_an_epoch_is_enciphered_from_the_key_start(text):
    data = stream_dataset(text, Vigenere("LEMON"))
    opts = TrainOptions(batch_size=8, segment=100, restart=0.5, noise=0.0, k1=50, k2=50)
    src, tgt, starts = data.epoch_columns(opts, epoch=3)
    B, T = src.shape
    assert B == 8 and T % 100 == 0 and starts.shape == (8, T // 100)
    assert len(data.train_text) - 100 * B < B * T <= len(data.train_text)
    assert starts[:, 0].all() and 0 < starts[:, 1:].mean() < 1
    ring = fold(data.train_text * 2)
    for b in range(B):
        plain = data.tgt_vocab.decode(tgt[b])
        assert plain in ring  # a contiguous piece of the training text (read as a ring)
        cuts = [*(np.flatnonzero(starts[b]) * 100), T]
        for i, j in zip(cuts[:-1], cuts[1:]):
            assert data.src_vocab.decode(src[b, i:j]) == fold(data.cipher.encrypt(plain[i:j]))


def test_by_default_every_message_is_one_segment_of_100_characters(text):
    data = stream_dataset(text, Vigenere("LEMON"))
    src, tgt, starts = data.epoch_columns(TrainOptions(batch_size=4), 0)
    assert starts.all() and src.shape[1] == 100 * starts.shape[1]
    for i in range(0, src.shape[1], 100):
        plain = data.tgt_vocab.decode(tgt[0, i : i + 100])
        assert data.src_vocab.decode(src[0, i : i + 100]) == fold(data.cipher.encrypt(plain))
    never = data.epoch_columns(TrainOptions(batch_size=4, restart=0.0), 0)[2]
    assert never[:, 0].all() and not never[:, 1:].any()


def test_an_epoch_depends_only_on_seed_and_epoch(text):
    data = stream_dataset(text, Vigenere("LEMON"))
    opts = TrainOptions(batch_size=4, noise=0.02)
    a, b = data.epoch_columns(opts, 1), data.epoch_columns(opts, 1)
    c = data.epoch_columns(opts, 2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])


def test_noise_replaces_about_that_fraction_of_characters(text):
    data = stream_dataset(text, Vigenere("LEMON"))
    clean = data.epoch_columns(TrainOptions(batch_size=4, restart=0.0, noise=0.0), 0)[1]
    noisy = data.epoch_columns(TrainOptions(batch_size=4, restart=0.0, noise=0.1), 0)[1]
    changed = float((clean != noisy).mean())
    assert 0.08 < changed < 0.11  # a few draws give back the same character


@pytest.mark.parametrize(
    "bad",
    [{"k1": 60, "k2": 50}, {"k2": 150, "k1": 50, "segment": 100}, {"restart": 1.5},
     {"noise": -0.1}, {"lr": 0.0}, {"batch_size": 0}, {"target_accuracy": 99.9}],
)  # fmt: skip
def test_bad_options_are_refused_with_a_message(bad):
    word = {"k2": "k1", "lr": "learning rate", "batch": "batch size"}
    name = next(iter(bad)).split("_")[0]
    with pytest.raises(ValueError, match=word.get(name, name)):
        TrainOptions(**bad)


def test_the_learning_rate_falls_along_a_cosine_from_lr_to_lr_end():
    assert cosine(1e-2, 1e-4, 10, 0) == pytest.approx(1e-2)
    assert cosine(1e-2, 1e-4, 10, 10) == pytest.approx(1e-4)
    assert cosine(1e-2, 1e-4, 10, 5) == pytest.approx((1e-2 + 1e-4) / 2)
    o = TrainOptions(epochs=11, lr=1e-2, lr_end=1e-4, schedule="cosine")
    assert TrainOptions.from_json(o.to_json()) == o


def test_a_new_message_zeroes_the_state_of_its_column_only():
    h = torch.ones(1, 3, 2)
    keep = torch.tensor([True, False, True])
    assert keep_rows(h, keep)[0, :, 0].tolist() == [1.0, 0.0, 1.0]
    c = keep_rows((h, 2 * h), keep)
    assert c[1][0, :, 1].tolist() == [2.0, 0.0, 2.0] and keep_rows(None, keep) is None


def test_the_recipe_gives_memory_ciphers_an_lstm_and_takes_overrides():
    config = recipes.decipher_config(cipher="autokey", key="K", hidden=64, k1=25, k2=50)
    assert config.model.cell == "lstm" and config.model.hidden == 64
    t = config.training
    assert (t.k1, t.k2, t.epochs, t.augment) == (25, 50, 80, 0.0) and config.memory
    assert config.data.letters and t.noise == 0.45  # the letters alone: nothing to augment
    vig = recipes.decipher_config(cipher="vigenere", key="LEMON")
    assert (vig.training.noise, vig.model.hidden, vig.model.cell) == (0.3, 64, "lstm")
    every = recipes.decipher_config(cipher="autokey", key="K", letters=False)
    assert not every.data.letters and (every.training.augment, every.training.noise) == (0.1, 0.02)
    assert recipes.decipher_config(cipher="autokey", key="K", noise=0.1).training.noise == 0.1
    with pytest.raises(ValueError, match="never reads; drop it, or add --all-characters"):
        recipes.decipher_config(cipher="vigenere", key="K", augment=0.1)
    with pytest.raises(ValueError, match="--letters applies to stream training"):
        recipes.decipher_config(cipher="vigenere", key="K", letters=True, stream=False)


def test_a_letters_stream_reads_the_letters_alone_whatever_the_augmentation(text):
    from rnnlab.text.augment import CHARS

    data = stream_dataset(text, Vigenere("LEMON"), extra=CHARS, letters=True, fractions=(0.8, 0.1))
    assert set(data.train_text + data.val_text + data.test_text) <= set(string.ascii_letters)
    assert set(data.src_vocab.chars) == set(data.tgt_vocab.chars) == set(string.ascii_lowercase)
    opts = TrainOptions(batch_size=4, augment=0.3, noise=0.05, k1=50, k2=50)
    src, tgt, starts = data.epoch_columns(opts, 0)
    assert starts.all() and src.min() >= 1 and tgt.min() >= 1  # no padding: letters throughout
    for i in range(0, src.shape[1], 100):  # each message enciphered from the key's start
        plain = data.tgt_vocab.decode(tgt[2, i : i + 100])
        assert data.src_vocab.decode(src[2, i : i + 100]) == Vigenere("LEMON").encrypt(plain)


def test_a_letters_model_passes_the_rest_through_and_counts_the_key_over_letters(bd_run, text):
    out, _ = bd_run
    run = load_run(out)
    assert run.config.data.letters and len(run.vocabs.source) == 26
    d = Decipherer.from_run(run)
    plain = "The 3 men -- Tom, Ann & Bo -- said:\n\t'Don't!' (42%) Caf\u00e9 #7; " + text[:400]
    s = d.stream()
    got = s.feed(Vigenere("BD").encrypt(plain))[0] + s.close()[0]
    odd = [i for i, ch in enumerate(plain) if ch not in string.ascii_letters]
    assert [got[i] for i in odd] == [plain[i] for i in odd]  # every other character as it was
    assert sum(a == b for a, b in zip(got, plain)) / len(plain) > 0.98
    assert s.doubt.unknown == 0 and s.doubt.chars == sum(c in string.ascii_letters for c in plain)


def test_stream_training_learns_a_two_letter_vigenere_key(bd_run):
    out, res = bd_run
    assert res.history.stopped == "epochs" and len(res.history.records) == 20
    assert res.val_accuracy > 0.99 and res.test_accuracy > 0.99
    run = load_run(out)
    assert run.memory and run.config.data.stream and run.config.training.schedule == "cosine"


def test_accuracy_holds_from_short_to_long_messages(bd_run, text):
    out, _ = bd_run
    data = stream_dataset(text, Vigenere("BD"), letters=True)
    model = load_run(out).model
    short = evaluate(model, pieces(*data.messages(data.test_text, 100)))
    whole = evaluate(model, pieces(*data.messages(data.val_text + data.test_text)))
    assert whole.chars > 2_000 and short.char_accuracy > 0.98 and whole.char_accuracy > 0.98


@pytest.mark.parametrize("sequential", [False, True])
def test_a_stream_run_deciphers_the_same_whatever_the_chunks(bd_run, text, sequential):
    out, _ = bd_run
    d = Decipherer.from_run(load_run(out), sequential, batch_chars=300)
    assert (d.period is None) == sequential
    cipher = Vigenere("BD").encrypt(text[-1500:])
    whole, conf = d.decipher_with_confidence(cipher)
    for size in (1, 7, 500):
        s = d.stream()
        parts = [s.feed(cipher[i : i + size]) for i in range(0, len(cipher), size)]
        parts.append(s.close())
        assert "".join(p for p, _ in parts) == whole
        assert np.allclose(np.concatenate([c for _, c in parts]), conf, atol=1e-5)
    assert sum(a == b for a, b in zip(whole, text[-1500:])) / 1500 > 0.98


def test_decipher_and_evaluate_work_on_a_stream_run(bd_run, text, tmp_path, capsys):
    out, _ = bd_run
    plain = text[-3000:]
    cipher = Vigenere("BD").encrypt(plain)
    assert main(["decipher", "--model", str(out), "--confidence", cipher[:300]]) == 0
    captured = capsys.readouterr()
    assert sum(a == b for a, b in zip(captured.out, plain[:300])) >= 290
    assert "characters below confidence" in captured.err
    (tmp_path / "plain.txt").write_text(plain)
    (tmp_path / "cipher.txt").write_text(cipher)  # the whole file is one message
    assert main(["decipher", "--model", str(out), "-i", str(tmp_path / "cipher.txt")]) == 0
    got = capsys.readouterr().out
    assert sum(a == b for a, b in zip(got, plain)) / len(plain) > 0.98
    args = ["evaluate", "--model", str(out), "--json", "--pairs"]
    assert main([*args, str(tmp_path / "plain.txt"), str(tmp_path / "cipher.txt")]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["characters"] == len(plain) - plain.count("\n") and res["char_accuracy"] > 0.98


def test_a_resumed_run_ends_at_the_same_weights(tmp_path, corpus):
    config = tiny(corpus, "autokey", "K", hidden=16, embed=8, epochs=3, batch_size=8)
    whole = jobs.train_run(config, tmp_path / "a").model
    epochs_done = []
    stopped = jobs.train_run(
        config,
        tmp_path / "b",
        callback=lambda e: e.kind == "epoch" and epochs_done.append(e.epoch),
        should_stop=lambda: len(epochs_done) == 1,
    )
    assert stopped.history.stopped == "interrupted" and stopped.history.epoch == 1
    resumed = jobs.resume_run(tmp_path / "b")
    assert resumed.history.stopped == "epochs"
    for (name, a), b in zip(whole.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name
    assert len((tmp_path / "b" / "history.csv").read_text().splitlines()) == 4


def test_train_streams_memory_ciphers_by_default_and_phrases_on_request(tmp_path, text, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text)
    common = ["train", "--corpus", str(corpus), "--epochs", "1", "--hidden", "8"]
    assert main([*common, "--cipher", "vigenere", "--key", "bd", "--out", str(tmp_path / "s")]) == 0
    assert "TBPTT(50, 50)" in capsys.readouterr().out
    assert load_run(tmp_path / "s").memory and load_run(tmp_path / "s").config.data.letters
    args = [*common, "--cipher", "vigenere", "--key", "bd", "--all-characters", "--out"]
    assert main([*args, str(tmp_path / "a")]) == 0
    assert "augmented at 0.1" in capsys.readouterr().out
    assert not load_run(tmp_path / "a").config.data.letters
    args = [*common, "--cipher", "vigenere", "--key", "bd", "--phrases", "--out"]
    assert main([*args, str(tmp_path / "p")]) == 0
    assert not load_run(tmp_path / "p").memory
    k = ["--k1", "25", "--k2", "50", "--batch-size", "8", "--out", str(tmp_path / "c")]
    assert main([*common, "--cipher", "caesar", "--key", "3", "--stream", *k]) == 0
    run = load_run(tmp_path / "c")
    assert run.memory and run.config.training.k1 == 25
    assert run.config.training.batch_size == 8


def test_train_resume_finishes_an_interrupted_stream_run(tmp_path, corpus, capsys):
    config = tiny(corpus, "vigenere", "BD", hidden=8, embed=8, epochs=3, batch_size=8)
    done = []
    first = jobs.train_run(
        config,
        tmp_path / "r",
        callback=lambda e: e.kind == "epoch" and done.append(e.epoch),
        should_stop=lambda: len(done) == 2,
    )
    assert first.history.stopped == "interrupted"
    assert main(["train", "--resume", str(tmp_path / "r")]) == 0
    assert "Done (epochs)" in capsys.readouterr().out
    assert len((tmp_path / "r" / "history.csv").read_text().splitlines()) == 1 + 3
    assert main(["train", "--resume", str(tmp_path / "r")]) == 2  # nothing left to resume


@pytest.mark.parametrize(
    "args, message",
    [
        (["--cipher", "caesar", "--key", "3", "--k1", "10"], "--k1/--k2 apply to stream"),
        (["--pairs", "a.txt", "b.txt", "--stream"], "--stream needs --cipher"),
        (["--cipher", "vigenere", "--key", "ab", "--model", "seed"], "uses the char model"),
        (["--cipher", "caesar", "--key", "3", "--k2", "80"], "--k1/--k2 apply to stream"),
        (["--cipher", "vigenere", "--key", "ab", "--k1", "80"], "k1 <= k2"),
        (["--cipher", "autokey", "--key", "4"], "autokey key must be"),
    ],
)
def test_train_refuses_stream_options_that_cannot_apply(args, message, tmp_path, capsys):
    assert main(["train", *args, "--out", str(tmp_path / "r")]) == 2
    assert message in capsys.readouterr().err


def test_make_cipher_knows_every_memory_cipher():
    from rnnlab.nn.recipes import MEMORY_CIPHERS

    keys = {"vigenere": "LEMON", "beaufort": "KEY", "autokey": "K", "progressive": "3,1"}
    assert {make_cipher(n, keys[n]).name for n in MEMORY_CIPHERS} == set(MEMORY_CIPHERS)


def test_an_untrained_model_scores_low_so_the_accuracy_checks_can_fail(text, corpus):
    data = stream_dataset(text, Vigenere("BD"), letters=True)
    config = jobs.prepare(tiny(corpus, "vigenere", "BD", hidden=16)).config
    torch.manual_seed(0)
    m = evaluate(build_model(config.model), pieces(*data.messages(data.test_text, 100)))
    assert m.char_accuracy < 0.5


def test_the_length_benchmark_quick_path_writes_its_table_plot_and_csv(tmp_path, capsys):
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).parents[2] / "benchmarks" / "length.py"
    spec = importlib.util.spec_from_file_location("length_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    sys.modules["length_benchmark"] = bench
    spec.loader.exec_module(bench)
    assert bench.main(["--quick", "--only", "caesar,vigenere", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| caesar   | 3     | 100    | 100      |" in out and "torch_threads=" in out
    rows = (tmp_path / "length.csv").read_text().splitlines()
    assert rows[0] == "series,message length (characters),character accuracy (%)"
    assert len(rows) == 1 + 2 * 3 and all(0 <= float(r.split(",")[2]) <= 100 for r in rows[1:])
    assert (tmp_path / "length.png").stat().st_size > 1000
    assert (tmp_path / "length.json").is_file()


def _phase(data, plain: str, cipher: str) -> int | None:
    """The key offset (0 to len(key) - 1) from which `plain` enciphers to `cipher`, or None."""
    key = data.cipher.key
    for o in range(len(key)):
        if fold(Vigenere(key[o:] + key[:o]).encrypt(plain)) == cipher:
            return o
    return None


def test_with_offset_messages_start_anywhere_in_the_key_and_some_keep_the_state(text):
    data = stream_dataset(text, Vigenere("LEMON"))
    src, tgt, starts = data.epoch_columns(TrainOptions(batch_size=4, offset=1.0), 0)
    phases = []
    for b in range(4):
        for i in range(0, src.shape[1], 100):
            plain, ciph = (
                data.tgt_vocab.decode(tgt[b, i : i + 100]),
                data.src_vocab.decode(src[b, i : i + 100]),
            )
            phases.append(_phase(data, plain, ciph))
    assert None not in phases and len(set(phases)) == 5  # every phase of the key turns up
    assert starts[:, 0].all() and 0.3 < starts[:, 1:].mean() < 0.7  # half the others slip


def test_without_offset_every_message_keeps_the_key_start(text):
    from rnnlab.text.augment import CHARS

    data = stream_dataset(text, Vigenere("LEMON"), extra=CHARS)
    src, tgt, starts = data.epoch_columns(TrainOptions(batch_size=4, offset=0.0, augment=0.1), 0)
    assert starts.all()
    for i in range(0, src.shape[1], 100):
        plain, ciph = (
            data.tgt_vocab.decode(tgt[1, i : i + 100]),
            data.src_vocab.decode(src[1, i : i + 100]),
        )
        assert _phase(data, plain, ciph) == 0


def test_augmented_streams_hold_digits_line_breaks_and_tabs(text):
    from rnnlab.text.augment import CHARS

    data = stream_dataset(text, Vigenere("LEMON"), extra=CHARS)
    tgt = data.epoch_columns(TrainOptions(batch_size=4, augment=0.2), 0)[1]
    plain = "".join(data.tgt_vocab.decode(row) for row in tgt)
    assert {"\t", "\n", "7", "#"} <= set(plain)


@pytest.mark.parametrize(
    "given, says",
    [({"augment": 1.0}, "augment is in [0, 1)"), ({"offset": 1.5}, "offset is in [0, 1]"),
     ({"augment": -0.1}, "augment is in [0, 1)")],
)  # fmt: skip
def test_bad_augment_and_offset_are_refused(given, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        TrainOptions(**given)


def test_offset_on_phrases_and_augment_on_pairs_are_refused(tmp_path):
    with pytest.raises(ValueError, match="apply to stream training"):
        recipes.decipher_config(cipher="caesar", key="3", offset=0.5)
    with pytest.raises(ValueError, match="as do --offset and --noise"):
        recipes.decipher_config(cipher="caesar", key="3", noise=0.3)
    pairs = (str(tmp_path / "p.txt"), str(tmp_path / "c.txt"))
    with pytest.raises(ValueError, match="--augment needs --cipher"):
        recipes.decipher_config(pairs=pairs, augment=0.1)
    assert recipes.decipher_config(pairs=pairs).training.augment == 0.0


def test_a_periodic_stream_model_deciphers_in_windows_as_it_would_in_sequence(bd_run):
    from rnnlab.text.heldout import heldout_text

    out, _ = bd_run
    run = load_run(out)
    assert run.period == 2
    plain = heldout_text(60_000)
    cipher = Vigenere("BD").encrypt(plain)
    windows = Decipherer.from_run(run, batch_chars=10_000)
    assert windows.period == 2 and windows.stream().window == 256
    seq = Decipherer.from_run(run, sequential=True).decipher(cipher)
    got = windows.decipher(cipher)
    assert len(got) == len(seq) == len(plain)
    assert sum(a != b for a, b in zip(got, seq)) <= len(plain) * 1e-4
    assert sum(a == b for a, b in zip(got, plain)) / len(plain) > 0.99
    s = windows.stream()  # chunks of any size: the same output
    parts = [s.feed(cipher[i : i + 7_777])[0] for i in range(0, len(cipher), 7_777)]
    assert "".join(parts) + s.close()[0] == got


def test_windows_let_text_without_letters_through_as_it_comes(bd_run):
    d = Decipherer.from_run(load_run(bd_run[0]), batch_chars=1_000)
    s = d.stream()
    out = ""
    for _ in range(50):  # no letter yet: nothing waits for a window to fill
        out += s.feed("12 34, 56. " * 100)[0]
        assert len(s.buf) < 1_100
    out += s.feed("ab " + "7 " * 100)[0]  # a window begins at a: from there the text waits
    assert out == "12 34, 56. " * 5_000 and s.buf.startswith("ab 7")
    assert out + s.close()[0] == "12 34, 56. " * 5_000 + d.decipher("ab " + "7 " * 100)


def test_a_letters_model_reads_ascii_letters_alone(bd_run):
    d = Decipherer.from_run(load_run(bd_run[0]))
    plain = "The \u212aelvin sign folds to k but is not a letter a cipher touches. " * 8
    got = d.decipher(Vigenere("BD").encrypt(plain))
    assert got.count("\u212a") == 8 and sum(a == b for a, b in zip(got, plain)) / len(plain) > 0.98
