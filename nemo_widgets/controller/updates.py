"""What a session shows while it works, as typed updates.

The session says what happened with a kind; the text is only for display. Front ends (the
console's tqdm bar, the studio, `%%song`'s cell, `nemo-song make`) choose what to do by the
kind and never by comparing the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UpdateKind(StrEnum):
    CONNECTING = "connecting"  # opening the backend and the session
    READY = "ready"  # connected and idle
    STATUS = "status"  # the step under way, for a status line ("Making the song...")
    ACKNOWLEDGED = "acknowledged"  # the agent's words before it starts its tools ("On it.")
    PROGRESS = "progress"  # a stage with its percent, and the place in the queue while waiting
    STILL_WORKING = "still_working"  # nothing visible for a while, but the work goes on
    PARTIAL = "partial"  # a reply still being streamed
    REPLY = "reply"  # the agent's reply
    SUMMARY = "summary"  # what changed, when the agent said nothing
    NOTICE = "notice"  # something to know on the side: a retry, a new session, an export that cannot resume
    ERROR = "error"  # the turn failed; the text says why
    DONE = "done"  # a turn, an upload or an export finished


STATUS_LINE = frozenset({UpdateKind.CONNECTING, UpdateKind.READY, UpdateKind.STATUS, UpdateKind.ACKNOWLEDGED,
                         UpdateKind.STILL_WORKING, UpdateKind.DONE})  # kinds a status line shows
MESSAGES = frozenset({UpdateKind.REPLY, UpdateKind.SUMMARY, UpdateKind.NOTICE, UpdateKind.ERROR})  # kinds to keep


@dataclass(frozen=True)
class Update:
    """One thing to show: its kind, its text, and for PROGRESS the stage, percent and queue position."""

    kind: UpdateKind
    text: str = ""
    stage: str = ""
    percent: float | None = None
    queue_position: int | None = None
