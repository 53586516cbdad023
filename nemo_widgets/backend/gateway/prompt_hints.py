"""Hints a client appends to a chat message, read as song options instead of words to sing.

The official gateway CLI ends a prompt with `. Duration: 5 seconds` (always: 5 is its default) and, for a ratio
other than 16:9, `. Aspect ratio: 9:16`; shell users give lyrics on one line as `style: line one / line two`. Both
dialects' chat turns pass through `read_hints` before the agent reads the message (`Agent.prepare`), so there is
one place where this is parsed. Options sent as data win over hints, as they win over words.
"""

from __future__ import annotations

import re

from nemo_widgets.backend.errors import bad_request
from nemo_widgets.backend.intents import TITLE
from nemo_widgets.protocol.names import MAX_SONG_SECONDS, MIN_SONG_SECONDS
from nemo_widgets.protocol.options import OptionError, SongOptions

HINT_TAIL = 200  # characters at the end of a message where hints are looked for (keeps the search linear)
HINT = re.compile(r"(?:^|[.;,]|\s)\s*(?:(?P<duration>duration)\s*:\s*(?P<seconds>\d{1,5}(?:\.\d{1,3})?)\s*"
                  r"(?:s|secs?|seconds?)?|(?P<aspect>aspect ratio)\s*:\s*(?P<ratio>\d{1,2}\s*:\s*\d{1,2}))\s*\.?\s*$",
                  re.IGNORECASE)
LINE_SEPARATOR = " / "


def read_hints(message: str, options: SongOptions) -> tuple[str, SongOptions]:
    """The message without its trailing hints, its one-line ` / ` lyrics as lines, and the options with the hints
    added (those sent as data win). A hinted length is brought inside the song limits (the CLI's 5 s default is a
    video clip's length; a song is at least MIN_SONG_SECONDS); an aspect ratio we cannot make is a 400."""
    hinted: dict[str, object] = {}
    text = message.rstrip()
    while match := HINT.search(text[-HINT_TAIL:]):
        if match["duration"]:
            hinted.setdefault("duration", min(max(float(match["seconds"]), MIN_SONG_SECONDS), MAX_SONG_SECONDS))
        else:
            hinted.setdefault("aspect", re.sub(r"\s", "", match["ratio"]))
        text = text[: len(text) - len(match[0])].rstrip()
    if not text:  # only hints: nothing to strip them from
        return message, options
    try:
        merged = SongOptions.from_wire({**hinted, **options.to_wire()})
    except OptionError as error:
        raise bad_request(f"{error} (read from the message's hint)") from None
    return one_line_lyrics(text), merged


def one_line_lyrics(message: str) -> str:
    """`style: line one / line two` -> the style, a colon and the lines one per line; anything else unchanged (a
    message on several lines, without a colon, a title request, or a slash without spaces around it)."""
    if "\n" in message or LINE_SEPARATOR not in message or TITLE.search(message):
        return message
    instruction, colon, lyrics = message.partition(":")
    lines = [line.strip() for line in lyrics.split(LINE_SEPARATOR) if line.strip()]
    if not colon or len(lines) < 2:
        return message
    return instruction.rstrip() + ":\n" + "\n".join(lines)
