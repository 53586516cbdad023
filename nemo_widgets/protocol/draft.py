"""The draft timeline (the protocol's draft JSON) as one validated, typed model, used by every layer.

Short keys follow the protocol: `t` tracks, `tt` track type (video, audio, text: protocol/names.py),
`sg` segments, `d` duration in ms, `m` metadata. Segment fields are documented in
docs/draft.md. An invalid draft raises DraftError naming the bad field. Times and sizes are
capped (protocol/names.py) so no draft can ask for an hour-long or thousand-layer render.

The chat agent's timeline edits are methods of `Draft`; one that cannot run now raises
DraftEditError, whose message is the reply to the user. `to_wire()` writes back only the fields
a draft was given or edited, so a draft round-trips unchanged. `Draft.lenient` reads drafts from
anywhere (a cloud backend's may hold what this model does not know) for display, and never raises.
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
TITLE_MS = 3500  # the longest a title card shows
BGM_VOLUME = 0.35  # background music added by an edit plays this loud ...
BGM_FADE_OUT_MS = 2000  # ... and fades out over its last two seconds


class DraftError(ValueError):
    """A draft that cannot be rendered; the message names the field and says why."""


class DraftEditError(ValueError):
    """A timeline edit that cannot run on this draft now; the message is the reply to the user."""


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

    def to_wire(self) -> dict[str, Any]:
        """The protocol's JSON: the fields given or edited (defaults left out), so a draft round-trips unchanged."""
        return self.model_dump(mode="json", exclude_unset=True)

    @classmethod
    def lenient(cls, data: Any) -> Draft:
        """What validates of a draft from anywhere, for display: tracks of an unknown type and segments that do not
        validate are left out, a bad `d` or `m` is dropped. Never raises (a cloud backend's draft may hold fields and
        track types this model does not know)."""
        if not isinstance(data, dict):
            return cls()
        tracks = [track for raw in _list(data.get("t")) if (track := _lenient_track(raw)) is not None]
        try:
            length = cls.model_validate({"d": data.get("d")}).d
        except ValidationError:
            length = None
        meta = data.get("m") if isinstance(data.get("m"), dict) else {}
        return cls.model_construct(t=tracks, d=length, m=meta)

    # The chat agent's edits. Each changes the draft by assigning fields (never by changing a list in place), so
    # `to_wire()` writes what they changed; each raises DraftEditError, changing nothing, when it cannot run now.

    def text_track(self) -> Track:
        """The first text track, added (empty) when the draft has none."""
        track = next((t for t in self.t if t.tt == TRACK_TEXT), None)
        if track is None:
            track = Track(tt=TRACK_TEXT, n="Text", sg=[])
            self.t = [*self.t, track]
        return track

    def volume(self, role: str) -> float | None:
        """The volume (1.0 = as made) of the first audio segment of `role`; None when there is none."""
        return next((s.vol for s in self.segments(TRACK_AUDIO) if s.role == role), None)

    def set_volume(self, role: str, percent: float) -> None:
        """Every audio segment of `role` (`song` or `bgm`) at `percent` (clamped to 0-400)."""
        found = [s for s in self.segments(TRACK_AUDIO) if s.role == role]
        if not found:
            raise DraftEditError(f"There is no {'BGM' if role == 'bgm' else 'song'} track to change yet.")
        for segment in found:
            segment.vol = max(0, min(400, percent)) / 100

    def set_background(self, src: str | None) -> None:
        """The background shows the media `src`, or (None) the generated gradient again."""
        backgrounds = self.segments(TRACK_VIDEO)
        if not backgrounds:
            raise DraftEditError("Make a song first, then choose its background.")
        backgrounds[0].src = src
        if src is None:  # a generated background has no `src` key at all on the wire
            backgrounds[0].model_fields_set.discard("src")

    def add_bgm(self, src: str, source_ms: int) -> None:
        """The media `src` (`source_ms` long, 0 when unknown) as the one BGM track, from the start, at BGM_VOLUME."""
        length = self.duration_ms
        if not length:
            raise DraftEditError("Make a song first, then add background music to it.")
        bgm = Segment(st=0, d=min(length, source_ms) or length, role="bgm", src=src, vol=BGM_VOLUME,
                      fade_out=BGM_FADE_OUT_MS)
        kept = [t for t in self.t if not (t.tt == TRACK_AUDIO and any(s.role == "bgm" for s in t.sg))]
        self.t = [*kept, Track(tt=TRACK_AUDIO, n="BGM", sg=[bgm])]

    def set_fade(self, which: Literal["in", "out"], ms: int) -> None:
        """Every audio segment fades in or out over `ms` (at most its length)."""
        found = self.segments(TRACK_AUDIO)
        if not found:
            raise DraftEditError("There is no audio to fade yet.")
        for segment in found:
            setattr(segment, "fade_in" if which == "in" else "fade_out", min(ms, segment.d))

    def trim(self, ms: int) -> None:
        """The video ends at `ms`: segments past it are removed, the rest cut to end by then."""
        if not 1000 <= ms < self.duration_ms:
            raise DraftEditError(f"The video is {self.duration_ms / 1000:.1f} s long: trim it to between 1 s and that.")
        self.d = ms
        for track in self.t:
            track.sg = [s for s in track.sg if s.st < ms]
            for segment in track.sg:
                segment.d = min(segment.d, ms - segment.st)

    def set_title(self, text: str) -> None:
        """The title card shows `text` from the start (for at most TITLE_MS); "" removes it."""
        texts = self.text_track()
        rest = [s for s in texts.sg if s.role != "title"]
        if not text:
            texts.sg = rest
            return
        title = Segment(st=0, d=min(TITLE_MS, self.duration_ms or TITLE_MS), role="title", text=text)
        texts.sg = [title, *rest]

    def set_lyrics(self, timing: str | None) -> None:
        """Karaoke lyrics over the whole video from the song `timing` names, or (None) no lyrics."""
        texts = self.text_track()
        rest = [s for s in texts.sg if s.role != "lyrics"]
        texts.sg = rest if timing is None else [*rest, Segment(st=0, d=self.duration_ms, role="lyrics", timing=timing)]

    def carry_edits_from(self, old: Draft) -> None:
        """A new song's draft keeps the edits made around the previous song: background media, BGM, and the title
        when the user changed or removed it (otherwise the new song shows its own title)."""
        old_background = next(iter(old.segments(TRACK_VIDEO)), None)
        if old_background is not None and old_background.src:
            for track in self.t:
                if track.tt == TRACK_VIDEO and track.sg:
                    track.sg[0].src = old_background.src
        bgm = [t.model_copy(deep=True) for t in old.t if t.tt == TRACK_AUDIO and any(s.role == "bgm" for s in t.sg)]
        self.t = [*self.t, *bgm]
        made_title = old.m.get("title")  # the title the previous song came with
        old_title = next((s for s in old.segments(TRACK_TEXT) if s.role == "title"), None)
        titles = [s for s in self.segments(TRACK_TEXT) if s.role == "title"]
        if old_title is None and made_title:
            self.set_title("")
        elif old_title is not None and titles and old_title.text != made_title:
            titles[0].text = old_title.text


def has_segments(data: Any) -> bool:
    """Whether draft JSON from anywhere has a segment to export (a cloud draft's tracks may be of types this
    model does not know, so this looks at the JSON itself)."""
    return isinstance(data, dict) and any(isinstance(t, dict) and _list(t.get("sg")) for t in _list(data.get("t")))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _lenient_track(raw: Any) -> Track | None:
    if not isinstance(raw, dict):
        return None
    try:
        track = Track.model_validate({**raw, "sg": []})
    except ValidationError:
        return None
    kept = []
    for segment in _list(raw.get("sg"))[:MAX_SEGMENTS]:
        try:
            kept.append(Segment.model_validate(segment))
        except ValidationError:
            continue
    track.sg = [s for s in kept if s.role in TRACK_ROLES[track.tt]]
    return track


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
