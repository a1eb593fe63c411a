"""Bad input at the command line: each case gets exit code 2, one line on stderr that says what
is wrong and how to fix it, and no traceback (--debug shows it instead)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ._support import assert_one_line_error, cli

# (case, argv with {placeholders} for the files and run of the fixtures, what stderr says)
TEXT_CASES = [
    ("empty TEXT, encrypt", ["encrypt", "-c", "caesar", "-k", "3", ""], "TEXT is empty"),
    ("empty file, decipher", ["decipher", "-m", "{run}", "-i", "{empty}"], "is empty"),
    ("no letters, encrypt", ["encrypt", "-c", "rot13", "123 !?"], "holds no letters"),
    ("no letters, decipher", ["decipher", "-m", "{run}", "-i", "{digits}"], "holds no letters"),
    ("no letters A-Z, encrypt", ["encrypt", "-c", "rot13", "Жжж"], "the cipher knows none"),
    ("outside the vocabulary", ["decipher", "-m", "{run}", "Жжж ззз"], "knows none of the letters"),
    ("not UTF-8, decipher", ["decipher", "-m", "{run}", "-i", "{latin1}"], "iconv -f latin1"),
    ("not UTF-8, encrypt", ["encrypt", "-c", "rot13", "-i", "{latin1}"], "offset 3"),
    ("binary, decipher", ["decipher", "-m", "{run}", "-i", "{binary}"], "binary file"),
    ("binary, encrypt", ["encrypt", "-c", "rot13", "-i", "{binary}"], "binary file"),
    ("missing file, decipher", ["decipher", "-m", "{run}", "-i", "{missing}"], "no such file"),
    ("missing file, encrypt", ["encrypt", "-c", "rot13", "-i", "{missing}"], "no such file"),
    ("folder as a file", ["decrypt", "-c", "rot13", "-i", "{folder}"], "is a folder"),
    ("missing run folder", ["decipher", "-m", "{missing}", "wkh"], "no such run folder"),
    ("run folder is a file", ["decipher", "-m", "{text}", "wkh"], "is not a run folder"),
    ("both TEXT and -i", ["encrypt", "-c", "rot13", "-i", "{text}", "abc"], "not both"),
    ("output under a file", ["encrypt", "-c", "rot13", "abc", "-o", "{text}/x"], "not a folder"),
    ("output is a folder", ["encrypt", "-c", "rot13", "abc", "-o", "{folder}"], "is a folder"),
    ("threads", ["decipher", "-m", "{run}", "--threads", "0", "wkh"], "--threads must be"),
]
KEY_CASES = [
    ("affine a not coprime", ["-c", "affine", "-k", "13,2"], "not coprime with 26"),
    ("affine one number", ["-c", "affine", "-k", "5"], "a,b such as 5,8"),
    ("caesar not an integer", ["-c", "caesar", "-k", "3.5"], "whole number"),
    ("caesar missing", ["-c", "caesar"], "needs a key"),
    ("vigenere empty", ["-c", "vigenere", "-k", ""], "needs a key"),
    ("vigenere not letters", ["-c", "vigenere", "-k", "l3mon"], "letters A-Z"),
    ("autokey empty", ["-c", "autokey", "-k", " "], "needs a key"),
    ("substitution not letters", ["-c", "substitution", "-k", "ABC-DEF"], "26 letters"),
    ("rot13 with a key", ["-c", "rot13", "-k", "3"], "takes no key"),
    ("unknown cipher", ["-c", "enigma", "-k", "x"], "choose one of"),
]
TRAIN_CASES = [
    ("empty corpus", ["--cipher", "caesar", "--key", "3", "--corpus", "{empty}"], "is empty"),
    ("corpus of no letters", ["--cipher", "caesar", "--key", "3", "--corpus", "{digits}"],
     "holds no letters"),
    ("corpus not UTF-8", ["--cipher", "caesar", "--key", "3", "--corpus", "{latin1}"],
     "not UTF-8"),
    ("missing corpus", ["--cipher", "caesar", "--key", "3", "--corpus", "{missing}"],
     "no such file"),
    ("bad key", ["--cipher", "vigenere", "--key", "l3mon"], "letters A-Z"),
    ("pairs of different line counts", ["--pairs", "{plain}", "{cipher3}"], "no partner"),
    ("pairs of different line lengths", ["--pairs", "{plain}", "{cipher_long}"], "line 2:"),
    ("pairs file missing", ["--pairs", "{plain}", "{missing}"], "no such file"),
    ("out under a file", ["--pairs", "{plain}", "{plain}", "--out", "{text}/run"],
     "cannot write"),
    ("resume of a missing run", ["--resume", "{missing}"], "no such run folder"),
    ("resume of a finished run", ["--resume", "{run}"], "nothing to resume"),
]  # fmt: skip


def _argv(template: list[str], files: dict[str, Path], run: Path) -> list[str]:
    names = {**{k: str(v) for k, v in files.items()}, "run": str(run)}
    return [a.format(**names) for a in template]


@pytest.fixture
def all_files(files: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    plain, three, long = tmp_path / "plain.txt", tmp_path / "c3.txt", tmp_path / "clong.txt"
    plain.write_text("and two\nthe end\n")
    three.write_text("dqg wzr\nwkh hqg\nrqh\n")
    long.write_text("dqg wzr\nwkh hqg!\n")
    return {**files, "plain": plain, "cipher3": three, "cipher_long": long}


@pytest.mark.parametrize(("case", "argv", "needle"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_bad_text_and_files_get_one_line_and_exit_2(
    case, argv, needle, all_files, tiny_run, capsys
) -> None:
    code, out, err = cli(capsys, *_argv(argv, all_files, tiny_run))
    assert_one_line_error(code, err, needle)
    assert out == ""  # nothing written before the error


@pytest.mark.parametrize(("case", "args", "needle"), KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_invalid_keys_get_one_line_and_exit_2(case, args, needle, capsys) -> None:
    for command in ("encrypt", "decrypt"):
        code, out, err = cli(capsys, command, *args, "attack at dawn")
        assert_one_line_error(code, err, needle)
        assert out == ""


def test_a_substitution_key_of_26_letters_that_is_not_a_permutation_is_refused(capsys) -> None:
    code, _, err = cli(
        capsys, "encrypt", "-c", "substitution", "-k", "ABCDEFGHIJKLMNOPQRSTUVWXYA", "x"
    )
    assert_one_line_error(code, err, "each letter once")


@pytest.mark.parametrize(("case", "args", "needle"), TRAIN_CASES, ids=[c[0] for c in TRAIN_CASES])
def test_bad_training_input_gets_one_line_and_exit_2(
    case, args, needle, all_files, tiny_run, capsys, tmp_path
) -> None:
    argv = _argv(args, all_files, tiny_run)
    if "--out" not in argv and "--resume" not in argv:
        argv += ["--out", str(tmp_path / "never")]
    code, _, err = cli(capsys, "train", *argv, "--threads", "1")
    assert_one_line_error(code, err, needle)
    assert not (tmp_path / "never").exists()


def test_letters_the_model_does_not_know_pass_through_when_it_knows_some(tiny_run, capsys) -> None:
    code, out, err = cli(capsys, "decipher", "-m", tiny_run, "Wkh Жжж!")
    assert code == 0, err
    assert len(out) == len("Wkh Жжж!\n") and out[4:7] == "Жжж"


def test_non_utf8_standard_input_is_one_line(tiny_run, capsys, monkeypatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"wkh \xff")))
    code, out, err = cli(capsys, "decipher", "-m", tiny_run)
    assert_one_line_error(code, err, "standard input is not UTF-8")
    assert out == ""


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_output_folder_is_one_line(tmp_path, all_files, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, _, err = cli(capsys, "encrypt", "-c", "rot13", "abc", "-o", locked / "x.txt")
    assert_one_line_error(code, err, "cannot write")
    plain = str(all_files["plain"])
    code, _, err = cli(capsys, "train", "--pairs", plain, plain, "--out", locked / "run")
    assert_one_line_error(code, err, "cannot write")


def test_debug_shows_the_traceback_instead(tiny_run, capsys) -> None:
    from rnnlab.cli import main
    from rnnlab.errors import CipherKeyError, InputError

    with pytest.raises(CipherKeyError, match="not coprime"):
        main(["--debug", "encrypt", "-c", "affine", "-k", "2,1", "abc"])
    with pytest.raises(InputError, match="holds no letters"):
        main(["decipher", "-m", str(tiny_run), "123", "--debug"])
