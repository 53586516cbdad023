"""A song request's options as data, checked in one place.

The studio, `%%song`, `Session.generate` and `nemo-song make` send them next to the readable
message, in the `/run_sse` body's `state_delta` (ADK's field); the embedded backend reads them
there and they win over words in the prompt. The message still says the same in words, for
backends that only read text.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from typing import Any

from nemo_widgets.protocol.names import (
    ASPECTS,
    MAX_SEED,
    MAX_SONG_SECONDS,
    MAX_TITLE_CHARS,
    MIN_SONG_SECONDS,
    SONG_OPTIONS_KEY,
    VOICES,
    Aspect,
    Voice,
)


class OptionError(ValueError):
    """A song option with a value it cannot have; `field` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"The song option `{field}` {problem}.")
        self.field = field


@dataclass(frozen=True)
class SongOptions:
    """What a song request asks for explicitly; None means "not said" (the prompt or a default decides)."""

    voice: Voice | None = None
    seed: int | None = None
    aspect: Aspect | None = None
    title: str | None = None  # "" asks for no title card
    instrumental: bool | None = None
    duration: float | None = None  # target seconds: met within 10 % with lyrics that fit, 5 % for instrumentals

    def __post_init__(self) -> None:
        if self.voice is not None and self.voice not in VOICES:
            raise OptionError("voice", f"must be one of {', '.join(VOICES)}, not {self.voice!r}")
        if self.aspect is not None and self.aspect not in ASPECTS:
            raise OptionError("aspect", f"must be one of {', '.join(ASPECTS)}, not {self.aspect!r}")
        if self.seed is not None:
            if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) or not 0 <= self.seed <= MAX_SEED:
                raise OptionError("seed", f"must be a whole number from 0 to {MAX_SEED}, not {self.seed!r}")
            object.__setattr__(self, "seed", int(self.seed))
        if self.instrumental is not None and type(self.instrumental) is not bool:
            raise OptionError("instrumental", f"must be true or false, not {self.instrumental!r}")
        if self.title is not None:
            if not isinstance(self.title, str):
                raise OptionError("title", f"must be text, not {type(self.title).__name__}")
            if len(self.title.strip()) > MAX_TITLE_CHARS:
                raise OptionError("title", f"must be at most {MAX_TITLE_CHARS} characters, not {len(self.title.strip())}")
            if any(not ch.isprintable() for ch in self.title.strip()):
                raise OptionError("title", "must be one line of printable text")
            object.__setattr__(self, "title", self.title.strip())
        if self.duration is not None:
            if isinstance(self.duration, bool) or not isinstance(self.duration, numbers.Real) \
                    or not math.isfinite(self.duration) \
                    or not MIN_SONG_SECONDS <= self.duration <= MAX_SONG_SECONDS:
                raise OptionError("duration", f"must be a number of seconds from {MIN_SONG_SECONDS} to "
                                              f"{MAX_SONG_SECONDS}, not {self.duration!r}")
            object.__setattr__(self, "duration", float(self.duration))

    @property
    def given(self) -> bool:
        """True when any option is set."""
        return bool(self.to_wire())

    def to_wire(self) -> dict[str, Any]:
        """The JSON object sent in `state_delta.song_options`: only the options that are set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_wire(cls, raw: Any) -> SongOptions:
        """Options from their JSON object (None: no options); raises OptionError naming the bad field."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise OptionError(SONG_OPTIONS_KEY, "must be a JSON object")
        known = {f.name for f in fields(cls)}
        for name in raw:
            if name not in known:
                raise OptionError(str(name)[:40], f"is not a song option (the options are {', '.join(sorted(known))})")
        return cls(**raw)

    def words(self) -> list[str]:
        """The same options said in words, for the readable message (the title last: it runs to the end)."""
        said = []
        if self.instrumental:
            said.append("instrumental")
        elif self.voice:
            said.append(f"{self.voice} vocals")
        if self.seed is not None:
            said.append(f"seed {self.seed}")
        if self.aspect:
            said.append(f"aspect {self.aspect}")
        if self.duration is not None:
            said.append(f"{self.duration:g} seconds long")
        if self.title:
            said.append(f"add the title {self.title}")
        return said


def options_in_state_delta(state_delta: Any) -> SongOptions:
    """The song options a `/run_sse` body carries in its `state_delta` (none when it carries none)."""
    if state_delta is None:
        return SongOptions()
    if not isinstance(state_delta, dict):
        raise OptionError("state_delta", "must be a JSON object")
    return SongOptions.from_wire(state_delta.get(SONG_OPTIONS_KEY))
