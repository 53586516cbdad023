"""`nemo-song make`: lyrics and a description straight to an MP4 (compose, then render)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from nemo_widgets.cli.compose_command import add_song_options, compose_into, summary
from nemo_widgets.cli.render_command import add_video_options, render_to
from nemo_widgets.render import song_draft


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("make", help="compose a song and render its MP4 in one step",
                                 description="Compose a song and render it as an MP4 with a waveform and karaoke lyrics.")
    add_song_options(parser)
    add_video_options(parser)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="also keep the song folder (wav, stems, MIDI, timing) here")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="nemo-make-") as tmp:
        folder = args.keep or Path(tmp) / "song"
        song = compose_into(args, folder)
        path = render_to(song_draft(folder), args, stage="rendering video")
    print(summary(song, files=False))
    print(path)
    return 0
