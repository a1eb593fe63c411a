"""`rnnlab encrypt` and `rnnlab decrypt`: text, files and stdin, streaming, exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rnnlab.cli import main
from rnnlab.cli.cipher import CIPHER_HELP
from rnnlab.text._files import iter_utf8_chunks
from rnnlab.text.ciphers import CIPHER_NAMES, Autokey, Vigenere


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_encrypt_caesar_prints_the_assignment_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "encrypt", "--cipher", "caesar", "--key", "3", "and two") == (
        0,
        "dqg wzr\n",
        "",
    )


def test_decrypt_inverts_encrypt(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "decrypt", "-c", "caesar", "-k", "3", "dqg wzr") == (0, "and two\n", "")
    code, out, _ = run(capsys, "encrypt", "-c", "vigenere", "-k", "lemon", "Attack at dawn!")
    assert (code, out) == (0, "Lxfopv ef rnhr!\n")
    assert (
        run(capsys, "decrypt", "-c", "vigenere", "-k", "lemon", out[:-1])[1] == "Attack at dawn!\n"
    )


@pytest.mark.parametrize("key_args", [["--key=-3"], ["--key", "-3"], ["-k", "-3"], ["--key", "23"]])
def test_a_negative_key_is_accepted(
    capsys: pytest.CaptureFixture[str], key_args: list[str]
) -> None:
    assert run(capsys, "encrypt", "-c", "shift", *key_args, "dqg wzr") == (0, "and two\n", "")


def test_text_starting_with_a_dash_goes_after_double_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "encrypt", "-c", "rot13", "--", "-abc-") == (0, "-nop-\n", "")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-c", "affine", "-k", "13,2"], "a must be one of 1, 3, 5"),
        (["-c", "caesar", "-k", "x"], "whole number"),
        (["-c", "caesar"], "needs a key"),
        (["-c", "rot13", "-k", "3"], "takes no key"),
        (["-c", "vigenere", "-k", "l3mon"], "letters A-Z"),
        (["-c", "enigma", "-k", "abc"], "choose one of caesar, rot13"),
    ],
)
def test_bad_cipher_or_key_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run(capsys, "encrypt", *args, "hello")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err and err.startswith("rnnlab: error: ")
    assert "Traceback" not in err


def test_missing_cipher_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "encrypt", "hello")
    assert code == 2 and "--cipher" in err


def test_file_input_goes_through_unchanged_in_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.txt"
    text = "Héllo, Wörld!\r\nline two 😀\nno newline at end"
    src.write_bytes(text.encode("utf-8"))
    code, out, _ = run(capsys, "encrypt", "-c", "autokey", "-k", "queenly", "-i", str(src))
    assert code == 0 and out == Autokey("QUEENLY").encrypt(text)  # no newline added


def test_output_file_is_written_atomically_and_decrypts_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, enc, dec = tmp_path / "in.txt", tmp_path / "out" / "enc.txt", tmp_path / "dec.txt"
    text = ("Ab,c dé\n" * 300_000) + "end"  # about 2.4 MB: several 1 MiB chunks
    src.write_bytes(text.encode("utf-8"))
    assert run(
        capsys, "encrypt", "-c", "vigenere", "-k", "lemon", "-i", str(src), "-o", str(enc)
    ) == (0, "", "")
    assert enc.read_bytes().decode("utf-8") == Vigenere("LEMON").encrypt(text)
    assert (
        run(capsys, "decrypt", "-c", "vigenere", "-k", "lemon", "-i", str(enc), "-o", str(dec))[0]
        == 0
    )
    assert dec.read_bytes() == src.read_bytes()
    assert sorted(p.name for p in enc.parent.iterdir()) == ["enc.txt"]  # no temp file left


def test_output_never_overwrites_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.txt"
    src.write_text("keep me", encoding="utf-8")
    code, _, err = run(
        capsys, "encrypt", "-c", "rot13", "-i", str(src), "-o", str(tmp_path / "." / "in.txt")
    )
    assert code == 2 and "input file" in err
    assert src.read_text(encoding="utf-8") == "keep me"


def test_non_utf8_input_is_one_line_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out_path = tmp_path / "latin.txt", tmp_path / "out.txt"
    src.write_bytes(b"caf\xe9 au lait")
    code, out, err = run(capsys, "encrypt", "-c", "rot13", "-i", str(src), "-o", str(out_path))
    assert code == 2 and err.count("\n") == 1
    assert "not UTF-8" in err and "offset 3" in err and "iconv" in err
    assert not out_path.exists() and list(tmp_path.iterdir()) == [src]


def test_missing_and_binary_input_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "encrypt", "-c", "rot13", "-i", str(tmp_path / "nope.txt"))
    assert code == 2 and "no such file" in err
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00\x01\x02abc")
    code, _, err = run(capsys, "encrypt", "-c", "rot13", "-i", str(binary))
    assert code == 2 and "binary" in err
    code, _, err = run(capsys, "encrypt", "-c", "rot13", "-i", str(binary), "text too")
    assert code == 2 and "not both" in err


def test_standard_input_is_streamed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Uryyb, Jbeyq!\n")))
    assert run(capsys, "decrypt", "-c", "rot13") == (0, "Hello, World!\n", "")
    monkeypatch.setattr(sys, "stdin", io.StringIO("abc"))
    assert run(capsys, "encrypt", "-c", "atbash", "-i", "-") == (0, "zyx", "")


def test_utf8_chunks_never_split_a_character() -> None:
    data = "aé😀b€".encode()
    chunks = list(iter_utf8_chunks(io.BytesIO(data), "x", chunk_bytes=1))
    assert "".join(chunks) == "aé😀b€" and len(chunks) == 5
    with pytest.raises(Exception, match="offset 4"):
        list(iter_utf8_chunks(io.BytesIO(b"ab\xc3\xa9\xff"), "x", chunk_bytes=2))


def test_help_names_every_cipher(capsys: pytest.CaptureFixture[str]) -> None:
    for name in CIPHER_NAMES:
        assert name in CIPHER_HELP
    assert run(capsys, "encrypt", "--help")[0] == 0


@pytest.mark.slow
def test_a_large_file_without_newlines_streams_in_flat_memory(tmp_path: Path) -> None:
    import subprocess
    import textwrap

    src, out = tmp_path / "big.txt", tmp_path / "big.enc"
    block = ("Attack at dawn, ünïcode and all " * 32_768).encode()  # about 1 MiB, no newline
    with open(src, "wb") as f:
        for _ in range(200):
            f.write(block)
    script = textwrap.dedent(
        f"""
        import resource, sys
        from rnnlab.cli import main
        args = ["encrypt", "-c", "vigenere", "-k", "lemon"]
        code = main(args + ["-i", {str(src)!r}, "-o", {str(out)!r}])
        print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    code, max_rss_kib = map(int, done.stdout.split())
    assert code == 0
    assert out.stat().st_size == src.stat().st_size
    assert max_rss_kib < 300 * 1024  # the file is over 200 MiB; memory stays near the baseline


@pytest.mark.parametrize(("name", "key"), [("columnar", "ZEBRAS"), ("railfence", "7")])
def test_a_transposition_reads_a_file_whole_and_decrypt_inverts_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, key: str
) -> None:
    from rnnlab.text.ciphers import make_cipher
    from rnnlab.text.corpus import default_text

    plain = default_text() * 20  # about 2.6 MB: read in several pieces, moved as one text
    src, enc, dec = tmp_path / "p.txt", tmp_path / "c.txt", tmp_path / "d.txt"
    src.write_text(plain, encoding="utf-8")
    assert run(capsys, "encrypt", "-c", name, "-k", key, "-i", str(src), "-o", str(enc))[0] == 0
    secret = enc.read_text(encoding="utf-8")
    assert secret == make_cipher(name, key).encrypt(plain) and secret != plain
    assert run(capsys, "decrypt", "-c", name, "-k", key, "-i", str(enc), "-o", str(dec))[0] == 0
    assert dec.read_text(encoding="utf-8") == plain
