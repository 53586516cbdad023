"""Server-Sent Events in Google ADK's shape: `data: <camelCase JSON>\\n\\n`, nulls omitted, no event names."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

AUTHOR = "nemo_agent"


def event(
    invocation_id: str,
    *,
    text: str | None = None,
    function_call: dict[str, Any] | None = None,
    function_response: dict[str, Any] | None = None,
    state_delta: dict[str, Any] | None = None,
    turn_complete: bool | None = None,
) -> dict[str, Any]:
    """One ADK event; exactly the keys that have values."""
    parts = []
    if text is not None:
        parts.append({"text": text})
    if function_call is not None:
        parts.append({"functionCall": function_call})
    if function_response is not None:
        parts.append({"functionResponse": function_response})
    body: dict[str, Any] = {"id": uuid.uuid4().hex[:12], "invocationId": invocation_id, "author": AUTHOR,
                            "timestamp": round(time.time(), 3)}
    if parts:
        body["content"] = {"role": "model", "parts": parts}
    if state_delta is not None:
        body["actions"] = {"stateDelta": state_delta}
    if turn_complete is not None:
        body["turnComplete"] = turn_complete
    return body


def error_event(kind: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """ADK's mid-stream error shape, sent just before the stream closes."""
    return {"error": f"{kind}: {message}", "error_details": details or {}}


def frame(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"
