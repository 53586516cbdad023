"""The protocol's error codes, raised as one exception type and answered in the `{code, message, data}` envelope."""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import JSONResponse

AUTH_FAILED = 1001
SESSION_NOT_FOUND = 1002
NO_CREDITS = 2001
UNSUPPORTED_FILE = 4001
FILE_TOO_LARGE = 4002


class ApiError(Exception):
    """An error the client is told about: protocol `code`, HTTP `status`, a message and optional data."""

    def __init__(self, code: int, message: str, status: int, data: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.data = data or {}
        self.headers = headers or {}


def auth_failed(message: str = "The token is missing, unknown or expired: get a new one.") -> ApiError:
    return ApiError(AUTH_FAILED, message, 401)


def session_not_found(session_id: str) -> ApiError:
    return ApiError(SESSION_NOT_FOUND, f"Session {session_id} was not found: create a new session.", 404)


def missing_client_id() -> ApiError:
    return ApiError(400, "The X-Client-Id header is required to get an anonymous token.", 400)


def rate_limited(message: str, retry_after: float = 30.0) -> ApiError:
    """429 with `Retry-After` (whole seconds, at least 1; the protocol's clients retry after 30 s by default), as
    every rate limit answers."""
    seconds = max(1, math.ceil(retry_after))
    return ApiError(429, message, 429, {"retry_after": seconds}, {"Retry-After": str(seconds)})


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, 400)


def error_response(error: ApiError) -> JSONResponse:
    """The protocol's envelope for an error, with its HTTP status and headers."""
    return JSONResponse({"code": error.code, "message": error.message, "data": error.data}, status_code=error.status,
                        headers=error.headers)
