"""Every error the protocol documents, as one hierarchy of exceptions that carry user-facing text.

`str(error)` is what a notebook user should read: what happened and what to do next.
"""

from __future__ import annotations

from typing import Any

from nemo_widgets.protocol.names import MAX_UPLOAD_MB, SUPPORTED_FORMATS

AUTH_CODES = frozenset({1001, 1010, 1011})


class NemoError(Exception):
    """A failed call; `code` is the protocol code (or HTTP status) and `data` what the server sent with it."""

    def __init__(self, message: str, code: int = 0, status: int = 0, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.data = data or {}


class AuthError(NemoError):
    """1001 (also 1010, 1011, HTTP 401): the token is bad or expired."""


class SessionNotFound(NemoError):
    """1002: the session is gone."""


class NoCredits(NemoError):
    """2001: no credits left. `register_url` is set for anonymous users."""

    def __init__(self, message: str, register_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.register_url = register_url


class UnsupportedFile(NemoError):
    """4001: the file is not a supported media type."""


class FileTooLarge(NemoError):
    """4002: the file is over the upload limit (names.MAX_UPLOAD_MB)."""


class MissingClientId(NemoError):
    """HTTP 400 from the token route: the X-Client-Id header was missing or refused."""


class ExportBlocked(NemoError):
    """HTTP 402: the plan does not allow export (not a credits problem)."""


class RateLimited(NemoError):
    """HTTP 429, still refused after the one retry."""


class RenderFailed(NemoError):
    """An export that ended as `failed` or was cancelled."""


class TurnTimedOut(NemoError):
    """A chat turn that passed the protocol's 15-minute cap."""


class BadRequest(NemoError):
    """Any other refusal (HTTP 4xx or an unknown code), with the server's message."""


class BackendUnavailable(NemoError):
    """The backend could not be reached or started."""


class SessionClosed(NemoError):
    """The session (or studio) was closed; its connections are gone."""

    def __init__(self) -> None:
        super().__init__("This session is closed: start a new one (Session() or SongStudio()).")


def no_credits_message(anonymous: bool, register_url: str | None, kind: str = "server",
                       needed: int | None = None, available: int | None = None) -> str:
    """What to do next depends on the backend: offline, the machine's owner adds credits; the cloud sells them.
    When the backend says what the request needed and what is left, the message starts with both."""
    short = f"This needs {needed} credits and you have {available}. " \
        if needed is not None and available is not None else ""
    if kind == "embedded":
        return (f"{short}You are out of credits on this machine's embedded backend. Songs made here cost only CPU "
                "time: add credits with `nemo-song credits --add 100` in a terminal, then try again.")
    if anonymous and register_url:
        return f"{short}You are out of credits. Register to get more and keep this work: {register_url}"
    if anonymous:
        return f"{short}You are out of credits on this backend. Ask its owner for a team token and set NEMO_TOKEN."
    return f"{short}You are out of credits. Top up credits in your account."


def unsupported_file_message(detail: str) -> str:
    return f"{detail.rstrip('.')}. Supported formats: {SUPPORTED_FORMATS} (best: MP4, MOV, MP3, WAV)."


def too_large_message() -> str:
    return f"That file is over the {MAX_UPLOAD_MB} MB limit: compress it or trim it, then upload it again."


EXPORT_BLOCKED_MESSAGE = "Register or upgrade your plan to unlock export."


class TurnFailed(NemoError):
    """The backend reported an error in the middle of a chat turn; the message is the backend's reason."""
