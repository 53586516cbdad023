"""The draft for a composed song: the song as audio, a generated background with a waveform,
the title card and karaoke lyrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TITLE_MS = 3500


def song_draft(song_dir: Path) -> dict[str, Any]:
    """A protocol draft (plain JSON data) for the song folder written by the engine."""
    song_dir = Path(song_dir).resolve()
    timing = json.loads((song_dir / "timing.json").read_text(encoding="utf-8"))
    duration = int(round(timing["duration"] * 1000))
    first_line = int(timing["lines"][0]["start"] * 1000) if timing["lines"] else duration
    title_end = max(1500, min(TITLE_MS, first_line - 300))
    text_segments = [{"st": 0, "d": min(title_end, duration), "role": "title", "text": timing.get("title", "")}]
    if timing["lines"]:
        text_segments.append({"st": 0, "d": duration, "role": "lyrics", "timing": str(song_dir / "timing.json")})
    return {
        "t": [
            {"tt": 0, "n": "Background", "sg": [{"st": 0, "d": duration, "role": "background",
                                                 "style": {"genre": timing.get("genre", "pop"), "visualizer": "waveform"}}]},
            {"tt": 1, "n": "Song", "sg": [{"st": 0, "d": duration, "role": "song", "src": str(song_dir / "song.wav")}]},
            {"tt": 7, "n": "Text", "sg": text_segments},
        ],
        "d": duration,
        "m": {"title": timing.get("title", ""), "genre": timing.get("genre"), "bpm": timing.get("bpm"),
              "key": timing.get("key")},
    }
