"""Reading what a request sends as hostile input: JSON bodies capped while they stream and decoded strictly,
fields checked for their JSON type before a route uses them. Every failure is a 400 or 413 naming the problem."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from starlette.requests import Request

from nemo_widgets.backend.errors import ApiError, bad_request

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
T = TypeVar("T")
_KINDS = {str: "a string", dict: "an object", list: "a list"}


async def read_json(request: Request, limit: int = MAX_JSON_BYTES, hint: str = "",
                    too_large_status: int = 413) -> dict[str, Any]:
    """The body as a JSON object ({} when empty). Reading stops as soon as the body passes `limit` bytes, refused
    with `too_large_status` (code and HTTP status) and `hint` after the size (what the route's own limits are)."""
    too_big = ApiError(too_large_status, f"The request body is over {limit // 1024} KB, the limit here."
                       f"{' ' + hint if hint else ''}", too_large_status)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad_request("The request body is not UTF-8 text: send JSON encoded as UTF-8.") from None
    except json.JSONDecodeError as error:
        raise bad_request(f"The request body is not valid JSON: {error.msg} at line {error.lineno}.") from None
    except RecursionError:
        raise bad_request(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    if _depth(body) > MAX_JSON_DEPTH:
        raise bad_request(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    return body


def field(container: dict[str, Any], name: str, kind: type[T], default: T, where: str = "") -> T:
    """`container[name]` if it has the JSON type `kind` (str, dict or list), `default` when absent or null, else a
    400 naming the field (`where` is its dotted path when it is not at the top level)."""
    value = container.get(name)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise bad_request(f"The field `{where or name}` must be {_KINDS[kind]}, not {_json_kind(value)}.")
    return value


def _json_kind(value: Any) -> str:
    for kind, label in ((bool, "true or false"), (str, "a string"), (dict, "an object"), (list, "a list")):
        if isinstance(value, kind):
            return label
    return "a number"


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value`, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
