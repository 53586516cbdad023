"""The draft for a composed song: the song as audio, a generated background with a waveform,
the title card and karaoke lyrics."""

from __future__ import annotations

import json
from pathlib import Path

from nemo_widgets.protocol.draft import TITLE_MS, Draft, Segment, Track
from nemo_widgets.protocol.names import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO


def song_draft(song_dir: Path, media_id: str | None = None) -> Draft:
    """The protocol draft for the song folder written by the engine (`to_wire()` gives its JSON).

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
    texts = [Segment(st=0, d=min(title_end, duration), role="title", text=timing.get("title", ""))]
    if timing["lines"]:
        texts.append(Segment(st=0, d=duration, role="lyrics", timing=timing_src))
    background = Segment(st=0, d=duration, role="background",
                         style={"genre": timing.get("genre", "pop"), "visualizer": "waveform"})
    return Draft(
        t=[Track(tt=TRACK_VIDEO, n="Background", sg=[background]),
           Track(tt=TRACK_AUDIO, n="Song", sg=[Segment(st=0, d=duration, role="song", src=song_src)]),
           Track(tt=TRACK_TEXT, n="Text", sg=texts)],
        d=duration,
        m={"title": timing.get("title", ""), "genre": timing.get("genre"), "bpm": timing.get("bpm"),
           "key": timing.get("key")},
    )
