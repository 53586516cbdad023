"""`nemo-song compose`: lyrics and a description to a song folder (song.wav, stems, MIDI, timing)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from nemo_widgets.cli.errors import CommandError
from nemo_widgets.cli.lyrics_input import read_lyrics
from nemo_widgets.cli.progress_bar import progress_bar
from nemo_widgets.engine.errors import EngineInputError

if TYPE_CHECKING:
    from nemo_widgets.engine.pipeline import ComposedSong


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compose",
        help="compose, sing, arrange and master a song into a folder",
        description="Compose a song from lyrics and a description and write song.wav, vocals.wav, "
        "accompaniment.wav, song.mid, timing.json and lyrics.lrc into OUTDIR.",
    )
    add_song_options(parser)
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR", help="the folder to write")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def add_song_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lyrics", nargs="?", metavar="LYRICS_FILE",
                        help="a UTF-8 text file with the lyrics, or - for standard input (optional with --instrumental)")
    parser.add_argument("--prompt", "-p", default="", help='the style, e.g. "upbeat pop song with vocals, 120 bpm, in A minor"')
    parser.add_argument("--voice", choices=("female", "male"), help="the singer (default: from the prompt, else female)")
    parser.add_argument("--seed", type=int, help="another seed gives another melody; the same seed, the same song")
    parser.add_argument("--instrumental", action="store_true", default=None, help="no vocals")


def check_request(text: str, prompt: str, args: argparse.Namespace, seconds: float | None = None) -> None:
    """Refuse lyrics or a description the engine cannot make (say, lyrics in Spanish) in milliseconds: only the
    text side of the engine is loaded, not the voices or the band."""
    from nemo_widgets.engine.request import read_request

    try:
        read_request(text, prompt, voice=args.voice, seed=args.seed, instrumental=args.instrumental,
                     target_seconds=seconds)
    except EngineInputError as error:
        raise CommandError(str(error)) from None


def compose_into(args: argparse.Namespace, folder: Path) -> ComposedSong:
    """Read the lyrics named in `args` and compose them into `folder`."""
    if args.lyrics is None and not args.instrumental:
        raise CommandError("Give a lyrics file (or - for standard input), or ask for --instrumental.")
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder} exists and is not a folder.")
    text = read_lyrics(args.lyrics)
    check_request(text, args.prompt, args)
    from nemo_widgets.engine.pipeline import compose_song  # the voices load heavy libraries: not for --help

    try:
        with progress_bar(enabled=not args.quiet) as progress:
            return compose_song(text, args.prompt, folder, voice=args.voice, seed=args.seed,
                                instrumental=args.instrumental, progress=progress)
    except EngineInputError as error:
        raise CommandError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    print(summary(compose_into(args, args.output)))
    return 0


def summary(song: ComposedSong, files: bool = True) -> str:
    spec = song.spec
    singer = "instrumental" if spec.instrumental else f"{spec.voice} voice"
    sections = ", ".join(
        f"{s['label']} {_clock(s['start'])}" for s in song.timing["sections"]
    )
    lines = [
        f'"{song.title}": {spec.genre}, {spec.mood}, {spec.key}, {spec.bpm:g} bpm, {singer}, seed {spec.seed}',
        f"Length {_clock(song.duration)}; sections: {sections}",
        f"Loudness {song.lufs:.1f} LUFS, true peak {song.true_peak_db:.1f} dBTP",
    ]
    if files:
        lines += ["Files:", *(f"  {path}" for path in song.files.values())]
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"
