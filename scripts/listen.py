"""A listening set for people: one song per genre and voice, to hear and see every change to the engine.

Each song is made from a bundled lyric (the genres take turns over nemo_widgets/data/lyrics/)
with a fixed seed, so two runs on the same code give the same songs. For each one OUT gets
GENRE-VOICE/ (the song folder: song.wav, stems, song.mid, timing.json), GENRE-VOICE.mp3 to play
anywhere, and GENRE-VOICE.png: the spectrogram with the sections named along the top and a
tick at every line's start along the bottom. OUT/index.html lists the songs (genre, voice,
seed, lyrics, length, loudness) with players and pictures. A song that fails is listed with
its error, and the script then exits with status 1.
"""

from __future__ import annotations

import argparse
import html
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing it

from nemo_widgets.engine.genres import PRESETS  # noqa: E402
from nemo_widgets.render.ffmpeg import ffmpeg_exe  # noqa: E402

LYRICS_DIR = ROOT / "nemo_widgets" / "data" / "lyrics"
FONT = ROOT / "nemo_widgets" / "render" / "fonts" / "Roboto-Regular.ttf"
VOICES = ("female", "male")
SEED = 11
WIDTH, SPECTRUM_HEIGHT, HEADER, FOOTER = 1600, 480, 56, 40  # pixels of the picture
HEIGHT = HEADER + SPECTRUM_HEIGHT + FOOTER
LOWEST_HZ, HIGHEST_HZ = 40, 16000  # the spectrogram's frequency range (log scale)
SECTION_COLOURS = {"intro": "0x5a5a6e", "verse": "0x2f6690", "prechorus": "0x3a7d6b", "chorus": "0xc0392b",
                   "bridge": "0x7d3c98", "break": "0x9a7d0a", "outro": "0x5a5a6e"}


@dataclass(frozen=True)
class Request:
    genre: str
    voice: str
    lyrics: Path
    seed: int

    @property
    def name(self) -> str:
        return f"{self.genre}-{self.voice}"


@dataclass(frozen=True)
class Outcome:
    request: Request
    duration: float | None = None
    lufs: float | None = None
    true_peak_db: float | None = None
    bpm: float | None = None
    key: str | None = None
    error: str | None = None


def requests(genres: list[str], voices: list[str], lyrics: list[Path], seed: int) -> list[Request]:
    """Every genre with every voice; the genres take turns over the lyrics, so each lyric is heard in several."""
    order = list(PRESETS)
    return [Request(genre, voice, lyrics[order.index(genre) % len(lyrics)], seed) for genre in genres for voice in voices]


def make_one(request: Request, out: Path, on_progress) -> Outcome:
    """Compose the song into OUT/NAME/, then its MP3 and its marked spectrogram."""
    from nemo_widgets.engine.pipeline import compose_song

    folder = out / request.name
    song = compose_song(request.lyrics.read_text(encoding="utf-8"), f"a {request.genre} song", folder,
                        voice=request.voice, seed=request.seed, progress=on_progress)
    _run([ffmpeg_exe(), "-y", "-v", "error", "-i", str(folder / "song.wav"), "-codec:a", "libmp3lame", "-q:a", "2",
          str(out / f"{request.name}.mp3")])
    spectrogram(folder / "song.wav", song.timing, out / f"{request.name}.png")
    return Outcome(request, song.duration, song.lufs, song.true_peak_db, song.spec.bpm, str(song.spec.key))


def spectrogram(wav: Path, timing: dict, png: Path) -> None:
    """WIDTH x HEIGHT PNG: the song's spectrogram (log frequency, 40 Hz-16 kHz) under a band naming each section
    (coloured by kind, with its start time), over a ruler with a tick at every line start and every 10 s."""
    duration = float(timing["duration"])

    def x(seconds: float) -> int:
        return min(WIDTH - 1, max(0, round(seconds / duration * WIDTH)))

    bottom = HEADER + SPECTRUM_HEIGHT
    marks = []
    for section in timing["sections"]:
        left, right = x(section["start"]), x(section["end"])
        colour = SECTION_COLOURS.get(section["kind"], "0x5a5a6e")
        marks += [_box(left, 0, max(1, right - left), HEADER, colour),
                  _box(left, 0, 2, HEIGHT, "white@0.9"),
                  _text(left + 5, 6, _label(section["label"]), 20),
                  _text(left + 5, 32, _clock(section["start"]), 15)]
    for line in timing["lines"]:
        marks += [_box(x(line["start"]), HEADER, 1, SPECTRUM_HEIGHT, "yellow@0.5"),
                  _box(x(line["start"]), bottom, 2, 14, "yellow")]
    for second in range(0, int(duration) + 1, 10):
        marks += [_box(x(second), bottom + 14, 1, 8, "white@0.7"), _text(x(second) + 3, bottom + 20, _clock(second), 14)]
    graph = (f"[0:a]showspectrumpic=s={WIDTH}x{SPECTRUM_HEIGHT}:legend=0:fscale=log:scale=cbrt:drange=90:color=magma:"
             f"start={LOWEST_HZ}:stop={HIGHEST_HZ},"
             f"pad={WIDTH}:{HEIGHT}:0:{HEADER}:color=0x101014,{','.join(marks)}[picture]")
    _run([ffmpeg_exe(), "-y", "-v", "error", "-i", str(wav), "-filter_complex", graph, "-map", "[picture]",
          "-frames:v", "1", "-update", "1", str(png)])


def _box(left: int, top: int, width: int, height: int, colour: str) -> str:
    return f"drawbox=x={left}:y={top}:w={width}:h={height}:color={colour}:t=fill"


def _text(left: int, top: int, text: str, size: int) -> str:
    return f"drawtext=fontfile='{_escape(str(FONT))}':text='{_escape(text)}':x={left}:y={top}:fontsize={size}:fontcolor=white"


def _escape(value: str) -> str:
    """A value inside a quoted filter option: backslashes, quotes, colons and commas escaped for ffmpeg."""
    for char in "\\':,%":
        value = value.replace(char, "\\" + char)
    return value


def _label(label: str) -> str:
    return "".join(c for c in label if c.isalnum() or c in " -")


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {result.stderr.strip()[-500:]}")


def write_index(outcomes: list[Outcome], out: Path) -> Path:
    """OUT/index.html: one row per song with its facts, a player and its spectrogram; failures with their error."""
    rows = []
    for o in outcomes:
        r = o.request
        facts = (f"<td>{r.genre}</td><td>{r.voice}</td><td>{r.seed}</td><td>{html.escape(r.lyrics.name)}</td>")
        if o.error is not None:
            rows.append(f"<tr>{facts}<td colspan=3 class=error>failed: {html.escape(o.error)}</td></tr>")
            continue
        rows.append(
            f"<tr>{facts}<td>{_clock(o.duration)}<br>{o.bpm:g} bpm, {html.escape(o.key)}</td>"
            f"<td>{o.lufs:.1f} LUFS<br>{o.true_peak_db:.1f} dBTP</td>"
            f"<td><audio controls preload=none src='{r.name}.mp3'></audio><br>"
            f"<a href='{r.name}/'>song folder</a><br><a href='{r.name}.png'><img src='{r.name}.png' width=800></a></td></tr>"
        )
    page = ("<!doctype html><meta charset=utf-8><title>nemo_widgets listening set</title>"
            "<style>body{font-family:sans-serif;background:#111;color:#eee}td,th{padding:6px;vertical-align:top;"
            "border-bottom:1px solid #333}a{color:#9cf}.error{color:#f66}</style>"
            "<h1>Listening set</h1><p>One song per genre and voice, made by <code>make listen</code> "
            "(<code>scripts/listen.py</code>). Pictures: spectrogram 40 Hz-16 kHz (log), sections along the top, "
            "a yellow tick at every line's start, seconds along the bottom.</p>"
            "<table><tr><th>genre</th><th>voice</th><th>seed</th><th>lyrics</th><th>length</th><th>loudness</th>"
            f"<th>song</th></tr>{''.join(rows)}</table>")
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def _names(text: str, allowed: list[str] | tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(unknown) or '(none given)'}: choose from {', '.join(allowed)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--genres", type=lambda s: _names(s, list(PRESETS), "genre"), default=list(PRESETS),
                        help=f"comma-separated genres (default all: {','.join(PRESETS)})")
    parser.add_argument("--voices", type=lambda s: _names(s, VOICES, "voice"), default=list(VOICES),
                        help="comma-separated voices (default female,male)")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "listen", help="the folder to write (default out/listen)")
    parser.add_argument("--lyrics", type=Path, action="append",
                        help="a lyrics file to use instead of the bundled ones (repeatable; the genres take turns)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"the seed of every song (default {SEED})")
    args = parser.parse_args(argv)
    from tqdm import tqdm

    lyrics = args.lyrics or sorted(LYRICS_DIR.glob("*.txt"))
    todo = requests(args.genres, args.voices, lyrics, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with tqdm(total=len(todo), unit="song", file=sys.stderr, bar_format="{l_bar}{bar}| {n:.1f}/{total} [{elapsed}<{remaining}{postfix}]") as bar:
        for done, request in enumerate(todo):
            bar.set_description(request.name)

            def on_progress(stage: str, fraction: float, done: int = done) -> None:
                bar.n = done + 0.9 * fraction  # the last tenth: the MP3 and the picture
                bar.set_postfix_str(stage)

            try:
                outcomes.append(make_one(request, args.out, on_progress))
            except Exception as error:  # listed in the index and on stderr, never skipped silently
                outcomes.append(Outcome(request, error=f"{type(error).__name__}: {error}"))
                tqdm.write(f"{request.name} failed:\n{traceback.format_exc()}", file=sys.stderr)
            bar.n = done + 1
            bar.refresh()
    index = write_index(outcomes, args.out)
    failed = [o.request.name for o in outcomes if o.error is not None]
    for o in outcomes:
        if o.error is None:
            print(f"{o.request.name:<14} {o.request.lyrics.name:<16} seed {o.request.seed}  {_clock(o.duration)}  "
                  f"{o.lufs:.1f} LUFS  {o.true_peak_db:.1f} dBTP")
    print(f"{len(outcomes) - len(failed)} songs in {index}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
