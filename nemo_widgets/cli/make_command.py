"""`nemo-song make`: lyrics and a description to an MP4 through the Nemo protocol.

The command starts the embedded backend on a free loopback port, asks for the song in a
chat turn, exports it and downloads the video, exactly as a notebook would, then stops
the backend. Nothing of it is left behind but the MP4 (and the song folder with --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nemo_widgets.cli.compose_command import add_song_options, check_request
from nemo_widgets.cli.errors import CommandError
from nemo_widgets.cli.lyrics_input import read_lyrics
from nemo_widgets.cli.progress_bar import progress_bar
from nemo_widgets.cli.render_command import add_video_options
from nemo_widgets.protocol.names import EXPORT_QUALITIES, MAX_SONG_SECONDS, MIN_SONG_SECONDS

PROTOCOL_QUALITY = {ours: word for word, ours in EXPORT_QUALITIES.items()}  # our quality -> the protocol's word


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("make", help="make a song video in one step (through the embedded backend)",
                                 description="Make a song from lyrics and a description and export it as an MP4 with "
                                 "a waveform and karaoke lyrics, through the Nemo protocol on an embedded backend.")
    add_song_options(parser)
    add_video_options(parser)
    parser.add_argument("--title", help="the title card's text (default: the song's first line)")
    parser.add_argument("--duration", type=float, metavar="SECONDS",
                        help=f"the song's length in seconds ({MIN_SONG_SECONDS}-{MAX_SONG_SECONDS})")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="also keep the song folder (wav, stems, MIDI, timing) here")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.lyrics is None and not args.instrumental:
        raise CommandError("Give a lyrics file (or - for standard input), or ask for --instrumental.")
    if args.output.is_dir():
        raise CommandError(f"{args.output} is a folder: give the path of the MP4 to write.")
    if args.keep is not None and args.keep.exists() and not args.keep.is_dir():
        raise CommandError(f"{args.keep} exists and is not a folder.")
    lyrics = read_lyrics(args.lyrics) if args.lyrics is not None else ""
    check_request(lyrics, args.prompt, args, args.duration)  # before the backend starts (the default style is valid)
    from nemo_widgets.client.errors import NemoError

    with tempfile.TemporaryDirectory(prefix="nemo-make-") as tmp, embedded_backend(Path(tmp)) as base_url:
        try:
            media, path = asyncio.run(_make(base_url, Path(tmp), lyrics, args))
        except (NemoError, ValueError) as error:
            raise CommandError(str(error)) from None
        if args.keep is not None:
            song_folder = next((Path(tmp) / "data" / "media").glob(f"*/*/{media['id']}"))  # state holds ids, not paths
            shutil.copytree(song_folder, args.keep, dirs_exist_ok=True)
    print(_summary(media))
    print(path)
    return 0


@contextmanager
def embedded_backend(folder: Path) -> Iterator[str]:
    """The backend over a throwaway data folder on a free loopback port, stopped on the way out."""
    from nemo_widgets.backend.app import create_app
    from nemo_widgets.backend.server import start_in_thread
    from nemo_widgets.backend.store import Store

    store = Store(folder / "data")
    server = start_in_thread(create_app(store, folder / "data"))
    try:
        yield server.base_url
    finally:
        server.stop()
        store.close()


async def _make(base_url: str, folder: Path, lyrics: str, args: argparse.Namespace) -> tuple[dict[str, Any], Path]:
    from nemo_widgets.client.api import NemoClient
    from nemo_widgets.client.config import Identity, check_dialect
    from nemo_widgets.controller.session import DEFAULT_PROMPT, AsyncSession
    from nemo_widgets.controller.updates import Update, UpdateKind

    prompt = args.prompt or DEFAULT_PROMPT
    with progress_bar(enabled=not args.quiet) as progress:
        def show(update: Update) -> None:
            if update.kind is UpdateKind.PROGRESS and update.percent is not None:
                progress(update.text, update.percent / 100)

        client = NemoClient(base_url, Identity(folder / "config"), kind="embedded",
                            dialect=check_dialect(os.environ.get("NEMO_DIALECT")))
        session = AsyncSession(client, on_update=show, poll_interval=0.1)
        try:
            await session.generate(lyrics, prompt, voice=args.voice, aspect=args.aspect, seed=args.seed,
                                   title=args.title, instrumental=bool(args.instrumental), duration=args.duration)
            songs = [m for m in session.state.get("generated_media", []) if m.get("kind") == "song"]
            if not songs:
                raise ValueError("The backend made no song from these lyrics.")
            exported = await session.export(args.output, quality=PROTOCOL_QUALITY[args.quality])
        finally:
            await session.close()
    return songs[-1], exported.path


def _summary(media: dict[str, Any]) -> str:
    singer = "instrumental" if media.get("instrumental") else f"{media.get('voice')} voice"
    seconds = float(media.get("duration") or 0)
    return (f'"{media.get("title")}": {media.get("genre")}, {media.get("mood")}, {media.get("key")}, '
            f'{media.get("bpm"):g} bpm, {singer}, seed {media.get("seed")}, {int(seconds // 60)}:{seconds % 60:04.1f}')
