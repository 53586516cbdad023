"""`make listen` (scripts/listen.py): a song per genre and voice with its MP3, its marked spectrogram and an index."""

import importlib.util
import json
import struct
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from tests.engine import samples

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("listen", ROOT / "scripts" / "listen.py")
listen = sys.modules["listen"] = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(listen)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _pixels(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)


def _seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return container.duration / av.time_base


@pytest.mark.slow
def test_listen_writes_the_song_its_mp3_a_marked_spectrogram_and_an_index(tmp_path):
    lyrics = tmp_path / "four_lines.txt"
    lyrics.write_text(samples.FOUR_LINES, encoding="utf-8")
    out = tmp_path / "listen"
    assert listen.main(["--genres", "folk", "--voices", "male", "--lyrics", str(lyrics), "--out", str(out)]) == 0

    timing = json.loads((out / "folk-male" / "timing.json").read_text())
    assert (timing["genre"], timing["voice"], timing["seed"]) == ("folk", "male", listen.SEED)
    wav, mp3, png = out / "folk-male" / "song.wav", out / "folk-male.mp3", out / "folk-male.png"
    assert abs(_seconds(mp3) - _seconds(wav)) < 0.2

    assert _png_size(png) == (listen.WIDTH, listen.HEIGHT)
    picture = _pixels(png)
    spectrum = picture[listen.HEADER:listen.HEADER + listen.SPECTRUM_HEIGHT]
    assert spectrum.std() > 20 and np.ptp(spectrum.mean(axis=(1, 2))) > 20  # a picture of sound, not a flat fill
    middle, footer = listen.HEADER + listen.SPECTRUM_HEIGHT // 2, listen.HEADER + listen.SPECTRUM_HEIGHT + 5

    def column(seconds: float) -> int:
        return min(listen.WIDTH - 1, round(seconds / timing["duration"] * listen.WIDTH))

    for section in timing["sections"]:  # a white line at every section start
        assert picture[middle, column(section["start"])].min() > 200, section
    for line in timing["lines"]:  # a yellow tick at every line start
        red, green, blue = picture[footer, column(line["start"])]
        assert red > 200 and green > 200 and blue < 100, line
    header_colours = {tuple(picture[listen.HEADER - 4, column((s["start"] + s["end"]) / 2)]) for s in timing["sections"]}
    assert len(header_colours) >= 2  # sections of different kinds in different colours

    index = (out / "index.html").read_text()
    assert "folk-male.mp3" in index and "folk-male.png" in index and "LUFS" in index
    assert f"<td>folk</td><td>male</td><td>{listen.SEED}</td><td>four_lines.txt</td>" in index


def test_unknown_genres_are_refused_naming_the_choices(capsys):
    with pytest.raises(SystemExit):
        listen.main(["--genres", "pop,polka"])
    assert "unknown genre polka: choose from pop" in capsys.readouterr().err


def test_the_genres_take_turns_over_the_bundled_lyrics():
    bundled = sorted(listen.LYRICS_DIR.glob("*.txt"))
    todo = listen.requests(list(listen.PRESETS), list(listen.VOICES), bundled, listen.SEED)
    assert len(todo) == 2 * len(listen.PRESETS) and len({r.name for r in todo}) == len(todo)
    assert {r.lyrics for r in todo} == set(bundled)
