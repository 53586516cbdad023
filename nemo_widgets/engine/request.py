"""Reading a song request (description and lyrics) without the heavy parts of the engine.

This module imports only the text side of the engine (no audio libraries, no voices), so a
server or a command can refuse input to fix, such as lyrics in a language the voices cannot
sing, in milliseconds, before it loads the rest of the engine or charges anything.
"""

from __future__ import annotations

from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.lyrics import parse_lyrics
from nemo_widgets.engine.model import Lyrics, SongSpec, VoiceName
from nemo_widgets.engine.spec import parse_spec

MAX_MINUTES = 8.0


def read_request(
    lyrics_text: str,
    prompt: str,
    *,
    voice: VoiceName | None = None,
    seed: int | None = None,
    instrumental: bool | None = None,
    target_seconds: float | None = None,
) -> tuple[SongSpec, Lyrics | None]:
    """The description and the lyrics as a song request reads them (no lyrics for an instrumental without any).
    Cheap, so callers can refuse bad input (EngineInputError) before they queue the song."""
    spec = parse_spec(prompt, voice=voice, seed=seed, instrumental=instrumental, target_seconds=target_seconds)
    if spec.target_seconds is not None and spec.target_seconds > MAX_MINUTES * 60:
        raise EngineInputError(
            f"A {spec.target_seconds / 60:g}-minute song is longer than the limit of {MAX_MINUTES:g} minutes: "
            f"ask for {MAX_MINUTES:g} minutes or less."
        )
    return spec, None if spec.instrumental and not lyrics_text.strip() else parse_lyrics(lyrics_text)
