"""The draft for a composed song: the song as audio, a generated background with a waveform,
the title card and karaoke lyrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nemo_widgets.protocol.names import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO

TITLE_MS = 3500


def song_draft(song_dir: Path, media_id: str | None = None) -> dict[str, Any]:
    """A protocol draft (plain JSON data) for the song folder written by the engine.

    The song and its lyrics timing are named by `media_id` when given (the backend keeps ids, never
    server paths, in session state and resolves them just before rendering), else by their paths.
    """
    song_dir = Path(song_dir).resolve()
    timing = json.loads((song_dir / "timing.json").read_text(encoding="utf-8"))
    song_src = media_id or str(song_dir / "song.wav")
    timing_src = media_id or str(song_dir / "timing.json")
    duration = int(round(timing["duration"] * 1000))
    first_line = int(timing["lines"][0]["start"] * 1000) if timing["lines"] else duration
    title_end = max(1500, min(TITLE_MS, first_line - 300))
    text_segments = [{"st": 0, "d": min(title_end, duration), "role": "title", "text": timing.get("title", "")}]
    if timing["lines"]:
        text_segments.append({"st": 0, "d": duration, "role": "lyrics", "timing": timing_src})
    return {
        "t": [
            {"tt": TRACK_VIDEO, "n": "Background", "sg": [{"st": 0, "d": duration, "role": "background",
                                                           "style": {"genre": timing.get("genre", "pop"),
                                                                     "visualizer": "waveform"}}]},
            {"tt": TRACK_AUDIO, "n": "Song", "sg": [{"st": 0, "d": duration, "role": "song", "src": song_src}]},
            {"tt": TRACK_TEXT, "n": "Text", "sg": text_segments},
        ],
        "d": duration,
        "m": {"title": timing.get("title", ""), "genre": timing.get("genre"), "bpm": timing.get("bpm"),
              "key": timing.get("key")},
    }
