"""Server-Sent Event payloads as typed objects, from either shape the protocol knows.

ADK events (`content.parts[]` with `text`, `functionCall`, `functionResponse`; `partial`;
`actions.stateDelta`; `turnComplete`; `{"error": ...}` mid-stream), the
`{"type": "text"|"tool_call"|"tool_result"|"heartbeat"}` shape and the gateway's chat socket messages
(`chunk`, `text`, `tool_start`/`tool_end`, `status`, `error`, `done`...) all become the same small set of
dataclasses. An empty `data:` line is a heartbeat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Text:
    """Agent text. `partial` pieces are previews of a consolidated Text that follows."""

    text: str
    partial: bool = False


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class ToolResult:
    name: str
    result: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class Progress:
    stage: str
    percent: float
    queue_position: int | None = None


@dataclass(frozen=True)
class StateDelta:
    """Session state the backend changed in this event (for example the draft)."""

    delta: dict[str, Any]


@dataclass(frozen=True)
class Heartbeat:
    pass


@dataclass(frozen=True)
class StreamError:
    kind: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnComplete:
    pass


Event = Text | ToolCall | ToolResult | Progress | StateDelta | Heartbeat | StreamError | TurnComplete


def parse_data(data: str) -> list[Event]:
    """The events in one `data:` payload (an ADK event can hold several parts)."""
    if not data.strip():
        return [Heartbeat()]
    try:
        payload = json.loads(data)
    except json.JSONDecodeError:
        return [Text(data)]
    if not isinstance(payload, dict):
        return [Heartbeat()]
    if "error" in payload and "content" not in payload and "type" not in payload:
        return [_stream_error(str(payload["error"]), payload.get("error_details") or payload.get("errorDetails") or {})]
    if ("type" in payload and "content" not in payload) or isinstance(payload.get("content"), str):
        return _typed(payload)
    return _adk(payload)


def _stream_error(raw: str, details: Any) -> StreamError:
    kind, sep, message = raw.partition(": ")
    if not sep or " " in kind:
        kind, message = "Error", raw
    return StreamError(kind, message, details if isinstance(details, dict) else {})


def _typed(payload: dict[str, Any]) -> list[Event]:
    kind = payload.get("type")
    if kind in ("text", "chunk"):
        return [Text(str(payload.get("content") or payload.get("text") or ""),
                     kind == "chunk" or bool(payload.get("partial")))]
    if kind in ("tool_call", "tool_start", "toolcall_start"):
        return [ToolCall(_tool_name(payload), _dict(payload.get("args")), str(payload.get("id", "")))]
    if kind in ("tool_result", "tool_end", "toolcall_end"):
        return [ToolResult(_tool_name(payload), _dict(payload.get("result")), str(payload.get("id", "")))]
    if kind == "progress" or (kind == "status" and "percent" in payload):
        position = payload.get("queue_position")
        return [Progress(str(payload.get("stage") or payload.get("status") or ""), float(payload.get("percent") or 0),
                         int(position) if isinstance(position, int | float) else None)]
    if kind == "error":
        details = _dict(payload.get("details"))
        if isinstance(payload.get("code"), int):
            details.setdefault("code", payload["code"])
        message = payload.get("message") or payload.get("error") or payload.get("content") or "Error"
        return [_stream_error(str(message), details)]
    if kind in ("done", "complete", "turn_complete"):
        return [TurnComplete()]
    return [Heartbeat()]


def _tool_name(payload: dict[str, Any]) -> str:
    return str(payload.get("name") or payload.get("tool") or payload.get("tool_name") or "")


def _adk(payload: dict[str, Any]) -> list[Event]:
    events: list[Event] = []
    if payload.get("errorCode") or payload.get("errorMessage"):
        events.append(StreamError(str(payload.get("errorCode") or "Error"), str(payload.get("errorMessage") or "")))
    partial = bool(payload.get("partial"))
    for part in (payload.get("content") or {}).get("parts") or []:
        if not isinstance(part, dict):
            continue
        if part.get("text") and not part.get("thought"):
            events.append(Text(str(part["text"]), partial))
        call = part.get("functionCall") or part.get("function_call")
        if isinstance(call, dict):
            events.append(ToolCall(str(call.get("name", "")), _dict(call.get("args")), str(call.get("id", ""))))
        response = part.get("functionResponse") or part.get("function_response")
        if isinstance(response, dict):
            events.append(ToolResult(str(response.get("name", "")), _dict(response.get("response")),
                                     str(response.get("id", ""))))
    delta = _dict((payload.get("actions") or {}).get("stateDelta") or (payload.get("actions") or {}).get("state_delta"))
    progress = delta.pop("progress", None)
    if isinstance(progress, dict):
        position = progress.get("queue_position")
        events.append(Progress(str(progress.get("stage", "")), float(progress.get("percent", 0) or 0),
                               int(position) if isinstance(position, int | float) else None))
    if delta:
        events.append(StateDelta(delta))
    if payload.get("turnComplete"):
        events.append(TurnComplete())
    return events or [Heartbeat()]


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
