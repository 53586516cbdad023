"""Session state as tidy pandas DataFrames: one row per segment, song, upload or balance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from nemo_widgets.client.api import Credits
from nemo_widgets.controller.timeline import segments

TRACK_COLUMNS = ["track", "type", "name", "start_s", "end_s", "duration_s", "volume", "text", "source"]
MEDIA_COLUMNS = ["id", "title", "genre", "mood", "key", "bpm", "voice", "instrumental", "seed", "duration_s", "prompt"]
UPLOAD_COLUMNS = ["filename", "file_type", "duration_s", "width", "height", "fps", "url"]


def tracks_frame(draft: dict[str, Any] | None) -> pd.DataFrame:
    return pd.DataFrame(segments(draft), columns=TRACK_COLUMNS)


def media_frame(state: dict[str, Any]) -> pd.DataFrame:
    rows = [{**{c: m.get(c) for c in MEDIA_COLUMNS}, "duration_s": m.get("duration")}
            for m in state.get("generated_media") or [] if isinstance(m, dict)]
    return pd.DataFrame(rows, columns=MEDIA_COLUMNS)


def uploads_frame(state: dict[str, Any]) -> pd.DataFrame:
    rows = [{"filename": u.get("filename"), "file_type": u.get("file_type"), "duration_s": u.get("duration"),
             "width": u.get("width"), "height": u.get("height"), "fps": u.get("fps"),
             "url": u.get("cdn_url") or u.get("url")}
            for u in state.get("video_infos") or [] if isinstance(u, dict)]
    return pd.DataFrame(rows, columns=UPLOAD_COLUMNS)


def credits_frame(credits: Credits) -> pd.DataFrame:
    """One row named "credits"; whole numbers as integers (the protocol sends floats, backends count whole credits)."""
    values = {"available": credits.available, "frozen": credits.frozen, "total": credits.total}
    if all(float(v).is_integer() for v in values.values()):
        values = {k: int(v) for k, v in values.items()}
    return pd.DataFrame([values], index=pd.Index(["credits"]))
