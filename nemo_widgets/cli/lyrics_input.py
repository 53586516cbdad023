"""Read lyrics from a file or standard input, refusing what cannot be lyrics."""

from __future__ import annotations

import sys
from pathlib import Path

from nemo_widgets.cli.errors import CommandError

MAX_LYRICS_BYTES = 100_000


def read_lyrics(source: str | None) -> str:
    """`-` reads standard input; None means no lyrics (an instrumental)."""
    if source is None:
        return ""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_LYRICS_BYTES + 1)
        name = "standard input"
    else:
        path = Path(source)
        name = str(path)
        if path.is_dir():
            raise CommandError(f"{name} is a folder, not a lyrics file.")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_LYRICS_BYTES + 1)
        except FileNotFoundError:
            raise CommandError(f"The lyrics file {name} does not exist.") from None
        except OSError as error:
            raise CommandError(f"Cannot read the lyrics file {name}: {error.strerror or error}.") from None
    if len(data) > MAX_LYRICS_BYTES:
        raise CommandError(f"The lyrics in {name} are over {MAX_LYRICS_BYTES // 1000} kB: that is not a song's lyrics.")
    if b"\x00" in data:
        raise CommandError(f"{name} is not a text file: give plain-text lyrics.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{name} is not UTF-8 text: save the lyrics as UTF-8 and try again.") from None
