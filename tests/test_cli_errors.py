"""Bad input to `nemo-song compose`: exit status 2, one sentence, no traceback, no output folder."""

import subprocess
import sys

import pytest

from nemo_widgets.cli import main


def _compose(capsys, tmp_path, *args):
    out = tmp_path / "out"
    status = main(["compose", *args, "-o", str(out), "-q"])
    err = capsys.readouterr().err
    return status, err, out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty"),
        ("   \n\t\n  ", "empty"),
        ("one two three four five six seven\n" * 100, "600"),
        ("la " * 30, "24"),
        ("la\n" * 130, "120"),
        ("夏の太陽が輝いて\n私たちは朝まで踊る\n", "English"),
    ],
)
def test_lyrics_that_cannot_be_sung(capsys, tmp_path, content, expected):
    lyrics = tmp_path / "lyrics.txt"
    lyrics.write_text(content, encoding="utf-8")
    status, err, out = _compose(capsys, tmp_path, str(lyrics))
    assert status == 2
    assert expected in err
    assert err.startswith("nemo-song: error: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert not out.exists()
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir())


def test_unreadable_inputs(capsys, tmp_path):
    binary = tmp_path / "song.mp3"
    binary.write_bytes(b"ID3\x00\x00\x01binary")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 au lait".encode("latin-1"))
    for args, expected in (
        ([str(tmp_path / "missing.txt")], "does not exist"),
        ([str(tmp_path)], "is a folder"),
        ([str(binary)], "not a text file"),
        ([str(latin)], "UTF-8"),
        ([], "lyrics file"),
    ):
        status, err, out = _compose(capsys, tmp_path, *args)
        assert status == 2, args
        assert expected in err, (args, err)
        assert not out.exists()


def test_output_that_is_a_file(capsys, tmp_path, short_lyrics):
    lyrics = tmp_path / "lyrics.txt"
    lyrics.write_text(short_lyrics)
    target = tmp_path / "taken"
    target.write_text("keep me")
    assert main(["compose", str(lyrics), "-o", str(target), "-q"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_help_and_console_script():
    result = subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "compose", "--help"],
                            capture_output=True, text=True, check=True)
    assert "--prompt" in result.stdout and "--instrumental" in result.stdout
    result = subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "genres"], capture_output=True, text=True, check=True)
    assert len(result.stdout.strip().splitlines()) == 8
