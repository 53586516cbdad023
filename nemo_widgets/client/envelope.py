"""Reading an answer: both envelopes the protocol knows, and the one mapping from codes to exceptions."""

from __future__ import annotations

from typing import Any

import httpx

from nemo_widgets.client.errors import (
    AUTH_CODES,
    EXPORT_BLOCKED_MESSAGE,
    AuthError,
    BadRequest,
    ExportBlocked,
    FileTooLarge,
    MissingClientId,
    NemoError,
    NoCredits,
    RateLimited,
    SessionNotFound,
    UnsupportedFile,
    too_large_message,
    unsupported_file_message,
)


def unwrap(response: httpx.Response) -> dict[str, Any]:
    """The `data` of a successful answer, or the matching NemoError.

    Accepts `{"code", "message", "data"}` and `{"success", "data", "error"}`; top-level keys
    outside the envelope (some render answers put `status` and `output` there) are merged
    under `data` so callers read one place.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if response.is_success:
            raise BadRequest(f"The backend answered {response.request.url.path} with something that is not JSON.",
                             status=response.status_code)
        raise error_for(response.status_code, response.status_code, response.text.strip()[:300] or response.reason_phrase, {})
    code = body.get("code")
    if code is None and "success" in body:
        error = body.get("error")
        failed_code = error.get("code") if isinstance(error, dict) else None
        code = 0 if body["success"] else failed_code or response.status_code or 1
    code = int(code or 0)
    data = body.get("data")
    data = dict(data) if isinstance(data, dict) else ({"value": data} if data is not None else {})
    if code == 0 and response.is_success:
        for key, value in body.items():
            if key not in ("code", "message", "success", "data", "error"):
                data.setdefault(key, value)
        return data
    message = body.get("message") or body.get("error") or response.reason_phrase
    if isinstance(message, dict):
        message = message.get("message") or str(message)
    raise error_for(code or response.status_code, response.status_code, str(message), data)


def error_for(code: int, status: int, message: str, data: dict[str, Any]) -> NemoError:
    """The exception for a protocol code or HTTP status; 2001's text is filled in by the caller, who knows the user."""
    if code in AUTH_CODES or status == 401:
        return AuthError(message, code=code, status=status, data=data)
    if code == 1002:
        return SessionNotFound("This session no longer exists on the backend.", code=code, status=status, data=data)
    if code == 2001:
        return NoCredits(message, code=code, status=status, data=data)
    if code == 4001 or status == 415:
        return UnsupportedFile(unsupported_file_message(message), code=code, status=status, data=data)
    if code == 4002 or status == 413:
        return FileTooLarge(too_large_message(), code=code, status=status, data=data)
    if status == 402:
        return ExportBlocked(EXPORT_BLOCKED_MESSAGE, code=code, status=status, data=data)
    if status == 429:
        return RateLimited(f"The backend is rate limiting us: {message}", code=code, status=status, data=data)
    if status == 400 and "client" in message.lower():
        return MissingClientId(message, code=code, status=status, data=data)
    return BadRequest(message, code=code, status=status, data=data)
