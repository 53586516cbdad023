"""The draft in words: the protocol's timeline summary, and what changed between two drafts.

Drafts are read through the protocol's model leniently (`Draft.lenient`): a cloud backend's draft
may hold what this model does not know, and a summary never fails on it.
"""

from __future__ import annotations

from typing import Any

from nemo_widgets.protocol.draft import Draft, Segment, Track
from nemo_widgets.protocol.names import TRACK_AUDIO, TRACK_TEXT, TRACK_TYPE_NAMES, TRACK_VIDEO


def segments(draft: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every segment with its track: index, type, name, times in seconds, volume, text, source."""
    rows = []
    for index, track in enumerate(Draft.lenient(draft).t):
        kind = TRACK_TYPE_NAMES[track.tt]
        for segment in track.sg:
            start = segment.st / 1000
            duration = segment.d / 1000
            rows.append({"track": index + 1, "type": kind, "name": _name(track, segment), "start_s": start,
                         "end_s": start + duration, "duration_s": duration,
                         "volume": segment.vol if track.tt == TRACK_AUDIO else None,
                         "text": segment.text or "", "source": _source(segment)})
    return rows


def _name(track: Track, segment: Segment) -> str:
    names = {"song": "Song", "bgm": "BGM", "title": "Title", "lyrics": "Lyrics", "background": "Background"}
    return names.get(segment.role) or track.n or segment.role.title()


def _source(segment: Segment) -> str:
    src = segment.src or segment.timing or ""
    return src.replace("\\", "/").rsplit("/", 1)[-1]


def summarize(draft: dict[str, Any] | None) -> str:
    """`Timeline (3 tracks): 1. Video: ... (0-10s) 2. BGM: ... (0-10s, 35%) 3. Title: "..." (0-3s)`."""
    rows = segments(draft)
    if not rows:
        return "Timeline (0 tracks): empty."
    parts = [f"{n}. {_describe(row)}" for n, row in enumerate(rows, start=1)]
    return f"Timeline ({len(rows)} tracks): " + " ".join(parts)


def _describe(row: dict[str, Any]) -> str:
    span = f"{row['start_s']:g}-{row['end_s']:.0f}s"
    if row["type"] == TRACK_TYPE_NAMES[TRACK_TEXT]:
        label = f'"{row["text"]}"' if row["text"] else (row["source"] or "on")
        return f"{row['name']}: {label} ({span})"
    detail = span if row["volume"] is None or row["volume"] == 1 else f"{span}, {round(row['volume'] * 100)}%"
    what = row["source"] or ("generated" if row["type"] == TRACK_TYPE_NAMES[TRACK_VIDEO] else "")
    return f"{row['name']}: {what} ({detail})" if what else f"{row['name']} ({detail})"


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What an edit did, for turns that end without a reply: changed, added and removed segments, then the summary."""
    old = _keyed(segments(before))
    new = _keyed(segments(after))
    notes = []
    for key, row in new.items():
        if key not in old:
            notes.append(f"added {_describe(row)}")
        elif row != old[key]:
            notes.append(f"changed {_describe(row)}")
    notes.extend(f"removed {_describe(row)}" for key, row in old.items() if key not in new)
    length = Draft.lenient(after).d
    if length and Draft.lenient(before).d != length:
        notes.append(f"length now {length / 1000:g}s")
    if not notes:
        return "No change to the timeline. " + summarize(after)
    return "Updated: " + "; ".join(notes) + ". " + summarize(after)


def _keyed(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Segments keyed by track, type, name and their order among equals, so edits pair up with what they changed."""
    keyed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        base = (row["track"], row["type"], row["name"])
        keyed[(*base, sum(1 for k in keyed if k[:3] == base))] = row
    return keyed
