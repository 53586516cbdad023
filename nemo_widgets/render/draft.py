"""The draft timeline (the protocol's draft JSON) as a validated, typed model.

Short keys follow the protocol: `t` tracks, `tt` track type (0 video, 1 audio, 7 text),
`sg` segments, `d` duration in ms, `m` metadata. Segment fields are documented in
docs/draft.md. An invalid draft raises DraftError naming the bad field. Times and sizes are
capped (protocol/names.py) so no draft can ask for an hour-long or thousand-layer render.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nemo_widgets.protocol.names import (MAX_MEDIA_SECONDS, MAX_SEGMENTS, TRACK_AUDIO, TRACK_ROLES, TRACK_TEXT,
                                         TRACK_TYPE_NAMES, TRACK_VIDEO)

TrackType = Literal[TRACK_VIDEO, TRACK_AUDIO, TRACK_TEXT]  # type: ignore[valid-type]
Role = Literal[tuple(role for roles in TRACK_ROLES.values() for role in roles)]  # type: ignore[valid-type]
MAX_MS = MAX_MEDIA_SECONDS * 1000


class DraftError(ValueError):
    """A draft that cannot be rendered; the message names the field and says why."""


class Segment(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    st: int = Field(0, ge=0, le=MAX_MS, description="start on the timeline, ms")
    d: int = Field(gt=0, le=MAX_MS, description="duration on the timeline, ms")
    role: Role
    src: str | None = Field(None, description="media path (the backend's drafts hold media ids it resolves to paths)")
    trim_in: int = Field(0, ge=0, le=MAX_MS, description="ms skipped at the start of the source")
    vol: float = Field(1.0, ge=0.0, le=4.0, description="linear volume, 1.0 = as recorded")
    fade_in: int = Field(0, ge=0, le=MAX_MS)
    fade_out: int = Field(0, ge=0, le=MAX_MS)
    text: str | None = None
    timing: str | None = Field(None, description="timing.json path (or, in the backend's drafts, the song's id)")
    style: dict[str, Any] = Field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.st + self.d

    @model_validator(mode="after")
    def _ends_in_time(self) -> Segment:
        if self.end > MAX_MS:
            raise ValueError(f"it ends at {self.end / 1000:g} s; videos are at most {MAX_MEDIA_SECONDS // 60} minutes long")
        return self


class Track(BaseModel):
    model_config = ConfigDict(extra="allow")

    tt: TrackType
    n: str = ""
    sg: list[Segment] = Field(default_factory=list, max_length=MAX_SEGMENTS)

    @model_validator(mode="after")
    def _roles_fit_the_track(self) -> Track:
        for i, segment in enumerate(self.sg):
            if segment.role not in TRACK_ROLES[self.tt]:
                raise ValueError(f"segment {i} has role {segment.role!r}, which a {TRACK_TYPE_NAMES[self.tt]} track cannot hold")
        return self


class Draft(BaseModel):
    model_config = ConfigDict(extra="allow")

    t: list[Track] = Field(default_factory=list, max_length=MAX_SEGMENTS)
    d: int | None = Field(None, gt=0, le=MAX_MS, description="timeline length, ms; defaults to the last segment's end")
    m: dict[str, Any] = Field(default_factory=dict)

    @field_validator("t")
    @classmethod
    def _not_too_many_segments(cls, tracks: list[Track]) -> list[Track]:
        count = sum(len(track.sg) for track in tracks)
        if count > MAX_SEGMENTS:
            raise ValueError(f"the draft has {count} segments; at most {MAX_SEGMENTS} can be rendered")
        return tracks

    @property
    def duration_ms(self) -> int:
        return self.d or max((s.end for track in self.t for s in track.sg), default=0)

    def segments(self, *track_types: int) -> list[Segment]:
        return [s for track in self.t if track.tt in track_types for s in track.sg]

    @property
    def exportable(self) -> bool:
        return any(track.sg for track in self.t)


def parse_draft(data: dict[str, Any] | str | Path) -> Draft:
    """Validate a draft from a dict, a JSON string or a JSON file."""
    if isinstance(data, Path):
        try:
            data = data.read_text(encoding="utf-8")
        except OSError as error:
            raise DraftError(f"Cannot read the draft {data}: {error.strerror or error}.") from None
        except UnicodeDecodeError:
            raise DraftError(f"The draft {data} is not UTF-8 text.") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise DraftError(f"The draft is not valid JSON: {error.msg} at line {error.lineno}.") from None
        except RecursionError:
            raise DraftError("The draft is nested too deeply to be a timeline.") from None
    if not isinstance(data, dict):
        raise DraftError("The draft must be a JSON object with a `t` list of tracks.")
    try:
        draft = Draft.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "draft"
        raise DraftError(f"Invalid draft field `{where}`: {_explain(first)}.") from None
    if not draft.exportable:
        raise DraftError("The draft has no segments: nothing to export.")
    return draft


def _explain(error: dict[str, Any]) -> str:
    if error["type"] == "literal_error" and error["loc"] and error["loc"][-1] == "tt":
        kinds = ", ".join(f"{number} {name}" for number, name in TRACK_TYPE_NAMES.items())
        return f"unknown track type {error.get('input')!r} (use {kinds})"
    if error["type"] == "less_than_equal" and error.get("ctx", {}).get("le") == MAX_MS:
        return f"{error.get('input')} ms is past the limit of {MAX_MS} ms ({MAX_MEDIA_SECONDS // 60} minutes)"
    if error["type"] == "too_long":
        return f"at most {MAX_SEGMENTS} items can be rendered"
    message = str(error["msg"])
    return message[len("Value error, "):] if message.startswith("Value error, ") else message
