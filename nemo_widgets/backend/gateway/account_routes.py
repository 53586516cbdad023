"""The gateway's account routes: checking a key (`POST /auth/verify`), the balance and the credit history."""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from nemo_widgets.backend.errors import auth_failed, bad_request
from nemo_widgets.backend.prices import balance_fields
from nemo_widgets.backend.gateway.context import Gateway, answer, iso_time
from nemo_widgets.backend.request_body import field, read_json
from nemo_widgets.backend.store import LedgerEntry
from nemo_widgets.protocol.names import MAX_LEDGER_PAGE


async def verify(gateway: Gateway, request: Request) -> JSONResponse:
    """The key in the body (or, failing that, the bearer header) -> its user and balance; 401 with 1001 if unknown."""
    body = await read_json(request)
    token = field(body, "token", str, "").strip()
    if not token:
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        token = bearer.strip() if scheme.lower() == "bearer" else ""

    def check() -> dict[str, Any]:
        user = gateway.store.user_for_token(token, gateway.clock()) if token else None
        if user is None:
            raise auth_failed("This API key is missing, unknown or expired: check it, or create a new one.")
        return {"user_id": user.id, "email": None, "balance": gateway.store.credits(user).available}

    return answer(await run_in_threadpool(check))


async def balance(gateway: Gateway, request: Request) -> JSONResponse:
    return answer(balance_fields(await gateway.as_caller(request, gateway.store.credits)))


def page_number(request: Request, name: str, default: int, most: int) -> int:
    raw = request.query_params.get(name, str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise bad_request(f"The query parameter `{name}` must be a whole number from 1 to {most}, not {raw[:20]!r}.")
    return int(raw)


def ledger_item(entry: LedgerEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": entry.kind, "created_at": iso_time(entry.at), "amount_delta": entry.amount}
    if entry.kind == "grant":
        item["grant"] = {"source": "welcome", "amount": entry.amount}
    else:
        item["conversation"] = {"conversation_id": entry.invocation_id, "session_id": entry.session_id,
                                "project_id": entry.project_id, "credits": -entry.amount, "status": entry.status,
                                "tool_breakdown": [{"tool_key": "generate_song", "credits": -entry.amount}]
                                if entry.made_song else []}
    return item


async def usage(gateway: Gateway, request: Request) -> JSONResponse:
    """One page of the credit history, newest first, in the gateway's paging shape."""
    page_no = page_number(request, "page_no", 1, 10**6)
    page_size = page_number(request, "page_size", MAX_LEDGER_PAGE, MAX_LEDGER_PAGE)
    entries: list[LedgerEntry] = await gateway.as_caller(request, gateway.store.ledger)
    pages = max(1, math.ceil(len(entries) / page_size))
    shown = entries[(page_no - 1) * page_size: page_no * page_size]
    return answer({"items": [ledger_item(e) for e in shown], "total": len(entries), "page_no": page_no,
                   "page_size": page_size, "total_pages": pages, "has_next": page_no < pages, "has_prev": page_no > 1})
