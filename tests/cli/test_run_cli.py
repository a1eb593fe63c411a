import json

import pytest

from rnnlab.cli import main


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    return out


def test_summary_of_seed_totals_14554_like_the_assignment(capsys):
    assert main(["summary", "--model", "seed", "--length", "10", "--vocab", "26"]) == 0
    out = capsys.readouterr().out
    assert "(None, 10, 64)" in out and "12,864" in out and "1,690" in out
    assert "Total params: 14,554" in out


def test_demo_quick_trains_saves_and_deciphers_the_assignment_example(demo_run, capsys):
    for name in ("model.safetensors", "config.json", "vocab.json", "history.csv", "training.png"):
        assert (demo_run / name).is_file(), name
    assert main(["decipher", "--model", str(demo_run), "Dqg wzr"]) == 0
    assert capsys.readouterr().out == "And two\n"


def test_decipher_reads_stdin_and_files(demo_run, tmp_path, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("dqg wzr\n"))
    assert main(["decipher", "--model", str(demo_run)]) == 0
    assert capsys.readouterr().out == "and two\n"
    f = tmp_path / "c.txt"
    f.write_text("Wkh. Dqg wzr!\n" * 3)
    assert main(["decipher", "--model", str(demo_run), "-i", str(f)]) == 0
    assert capsys.readouterr().out == "The. And two!\n" * 3


def test_evaluate_prints_json_accuracy(demo_run, tmp_path, capsys):
    plain, ciph = tmp_path / "plain.txt", tmp_path / "cipher.txt"
    plain.write_text("and two\nthe end\n")
    ciph.write_text("dqg wzr\nwkh hqg\n")
    assert (
        main(["evaluate", "--model", str(demo_run), "--pairs", str(plain), str(ciph), "--json"])
        == 0
    )
    res = json.loads(capsys.readouterr().out)
    assert res["char_accuracy"] == pytest.approx(1.0) and res["line_accuracy"] == pytest.approx(1.0)


def test_train_from_pairs_then_evaluate(tmp_path, capsys):
    from rnnlab.text.classic import write_pairs

    plain, ciph = write_pairs(tmp_path, n=300, shift=3, seed=0)
    out = tmp_path / "run"
    argv = [
        "train",
        "--pairs",
        str(plain),
        str(ciph),
        "--epochs",
        "3",
        "--out",
        str(out),
        "--threads",
        "2",
    ]
    assert main(argv) == 0
    cfg = json.loads((out / "config.json").read_text())
    vocab = json.loads((out / "vocab.json").read_text())
    assert cfg["data"]["pairs"] == [str(plain), str(ciph)] and vocab["fold_case"] is True
    assert main(argv) == 2  # the run exists: never overwritten
    assert "already holds a run" in capsys.readouterr().err
    import time

    deadline = time.monotonic() + 60  # the figure is drawn by a process of its own
    while not (out / "training.png").is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (out / "training.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "argv, msg",
    [(["decipher", "--model", "/nonexistent/run", "abc"], "no such run folder"),
     (["train"], "say what to learn"),
     (["train", "--cipher", "affine", "--key", "13,2"], "coprime"),
     (["train", "--cipher", "caesar", "--key", "3", "--model", "huge"], "unknown model"),
     (["summary", "--model", "seed", "--vocab", "0"], "tgt_vocab")],
)  # fmt: skip
def test_bad_input_gets_one_line_and_exit_code_2(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_demo_never_overwrites_an_existing_run(demo_run, capsys):
    before = (demo_run / "model.safetensors").read_bytes()
    assert main(["demo", "--quick", "--out", str(demo_run)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (demo_run / "model.safetensors").read_bytes() == before


def test_decipher_without_a_model_uses_the_newest_demo_run(demo_run, tmp_path, monkeypatch, capsys):
    import shutil

    monkeypatch.chdir(tmp_path)
    assert main(["decipher", "dqg wzr"]) == 2
    assert "run `rnnlab demo` first" in capsys.readouterr().err
    shutil.copytree(demo_run, tmp_path / "runs" / "demo-1")
    assert main(["decipher", "dqg wzr"]) == 0
    assert capsys.readouterr().out == "and two\n"


def test_decipher_says_in_one_line_when_the_text_is_unlike_the_training_data(demo_run, capsys):
    unlike = "Wkh 1 «irxu» ❦ » ¶ 1234 €€ ‡‡ §§ ¤¤ wkh hqg. " * 40  # symbols the corpus lacks
    assert main(["decipher", "--model", str(demo_run), unlike]) == 0  # a warning, not an error
    captured = capsys.readouterr()
    assert captured.out.startswith("The ") and "«four» ❦ » ¶" in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("note: this text looks unlike")
    assert "of its characters are unknown to the model" in lines[0]
    like = "Wkh hqg ri wkh olqh. Dqg wzr prgxohv duh lpsruwhg. " * 40
    assert main(["decipher", "--model", str(demo_run), like]) == 0
    assert capsys.readouterr().err == ""


def test_decipher_json_gives_each_characters_confidence_and_the_shares(demo_run, capsys):
    text = "Wkh hqg ¶¶¶¶. Dqg wzr."
    assert main(["decipher", "--model", str(demo_run), "--json", text]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["plaintext"] == "The end ¶¶¶¶. And two."
    assert len(obj["confidence"]) == len(text) and all(0 < c <= 1 for c in obj["confidence"])
    assert obj["confidence"][8:12] == [1.0] * 4  # passed through, not deciphered
    assert obj["unknown_share"] == pytest.approx(4 / 18, abs=1e-6) and obj["unlike"] is True
    assert {"unsure_share", "threshold", "characters", "letters_measured"} <= set(obj)
    assert main(["decipher", "--model", str(demo_run), "--threshold", "1.5", "x"]) == 2


def test_perchar_trains_saves_and_deciphers_contractions_it_never_saw(tmp_path, capsys):
    out = tmp_path / "perchar"
    argv = ["train", "--cipher", "caesar", "--key", "3", "--model", "perchar", "--epochs", "12",
            "--out", str(out), "--threads", "1"]  # fmt: skip
    assert main(argv) == 0
    assert json.loads((out / "config.json").read_text())["model"]["kind"] == "perchar"
    capsys.readouterr()
    assert main(["decipher", "--model", str(out), "Grq'w, Txhhq Pde!"]) == 0
    assert capsys.readouterr().out == "Don't, Queen Mab!\n"
    assert main(["summary", "--model", "perchar"]) == 0
    assert "hidden (Dense, ReLU)" in capsys.readouterr().out
