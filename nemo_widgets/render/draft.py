"""The draft timeline (the protocol's draft JSON) as a validated, typed model.

Short keys follow the protocol: `t` tracks, `tt` track type (0 video, 1 audio, 7 text),
`sg` segments, `d` duration in ms, `m` metadata. Segment fields are documented in
docs/draft.md. An invalid draft raises DraftError naming the bad field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

TrackType = Literal[0, 1, 7]
TRACK_TYPE_NAMES = {0: "video", 1: "audio", 7: "text"}
Role = Literal["background", "song", "bgm", "voice", "title", "lyrics", "text"]


class DraftError(ValueError):
    """A draft that cannot be rendered; the message names the field and says why."""


class Segment(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    st: int = Field(0, ge=0, description="start on the timeline, ms")
    d: int = Field(gt=0, description="duration on the timeline, ms")
    role: Role
    src: str | None = Field(None, description="media path (or an id the backend resolved to a path)")
    trim_in: int = Field(0, ge=0, description="ms skipped at the start of the source")
    vol: float = Field(1.0, ge=0.0, le=4.0, description="linear volume, 1.0 = as recorded")
    fade_in: int = Field(0, ge=0)
    fade_out: int = Field(0, ge=0)
    text: str | None = None
    timing: str | None = Field(None, description="timing.json path for a lyrics segment")
    style: dict[str, Any] = Field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.st + self.d


class Track(BaseModel):
    model_config = ConfigDict(extra="allow")

    tt: TrackType
    n: str = ""
    sg: list[Segment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _roles_fit_the_track(self) -> Track:
        allowed = {0: {"background"}, 1: {"song", "bgm", "voice"}, 7: {"title", "lyrics", "text"}}[self.tt]
        for i, segment in enumerate(self.sg):
            if segment.role not in allowed:
                raise ValueError(f"segment {i} has role {segment.role!r}, which a {TRACK_TYPE_NAMES[self.tt]} track cannot hold")
        return self


class Draft(BaseModel):
    model_config = ConfigDict(extra="allow")

    t: list[Track] = Field(default_factory=list)
    d: int | None = Field(None, gt=0, description="timeline length, ms; defaults to the last segment's end")
    m: dict[str, Any] = Field(default_factory=dict)

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
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise DraftError(f"The draft is not valid JSON: {error.msg} at line {error.lineno}.") from None
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
        return f"unknown track type {error.get('input')!r} (use 0 video, 1 audio or 7 text)"
    message = str(error["msg"])
    return message[len("Value error, "):] if message.startswith("Value error, ") else message
