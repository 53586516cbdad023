"""The agent's turn, told in the gateway's socket messages instead of ADK events: the same turn that `/run_sse`
streams (`backend/agent.py`), only dressed differently."""

from __future__ import annotations

from typing import Any

from nemo_widgets.backend.errors import NO_CREDITS, ApiError

DONE: dict[str, Any] = {"type": "done"}
PONG: dict[str, Any] = {"type": "pong"}
INSUFFICIENT_CREDITS = "Insufficient credits"


def socket_messages(item: dict[str, Any]) -> list[dict[str, Any]]:
    """One ADK event -> its socket messages: `text`, `tool_start`/`tool_end` naming the tool as `tool`, progress as
    `status{status}` (the stage) with `percent`, and ADK's mid-stream error as `error{error}`."""
    if "error" in item:
        kind, _, text = str(item["error"]).partition(": ")
        return [{"type": "error", "error": text or kind, "error_type": kind}]
    messages: list[dict[str, Any]] = []
    for part in item.get("content", {}).get("parts", []):
        if "text" in part:
            messages.append({"type": "text", "text": part["text"]})
        elif "functionCall" in part:
            call = part["functionCall"]
            messages.append({"type": "tool_start", "tool": call["name"], "tool_call_id": call["id"], "args": call["args"]})
        elif "functionResponse" in part:
            response = part["functionResponse"]
            messages.append({"type": "tool_end", "tool": response["name"], "tool_call_id": response["id"],
                             "result": response["response"]})
    progress = item.get("actions", {}).get("stateDelta", {}).get("progress")
    if progress:
        messages.append({"type": "status", "status": progress["stage"], "percent": progress["percent"],
                         "progress": progress})
    return messages


def error_message(error: ApiError) -> dict[str, Any]:
    """A refused turn (no credits, busy session, bad request) as an `error` message carrying the protocol's code;
    a lack of credits says "Insufficient credits" first, as the gateway's clients look for."""
    text = f"{INSUFFICIENT_CREDITS}: {error.message}" if error.code == NO_CREDITS else error.message
    return {"type": "error", "error": text, "code": error.code, "data": error.data}
