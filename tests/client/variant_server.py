"""A small server speaking the cloud's documented variants of the protocol, with faults the tests script.

Variants: the `{"success", "data"}` envelope, render status as `data.status` + `data.outputUrl`,
`{"type": ...}` SSE events with heartbeats and empty data lines. Faults are queued per route
name and used once each, e.g. `faults["credits"] = [(401, {"code": 1001})]`.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64


@dataclass
class Script:
    faults: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sse: list[str] = field(default_factory=list)  # raw data payloads for the next turn
    sse_delay: float = 0.0
    draft_after_turn: dict[str, Any] | None = None
    draft: dict[str, Any] = field(default_factory=lambda: {"t": [], "d": 0})
    sessions: list[str] = field(default_factory=list)
    tokens: int = 0
    status_polls: int = 0
    prices: dict[str, int] | None = None  # published with the balance when set, as the embedded backend does


def success(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"success": True, "data": data})


def create_variant_app(script: Script) -> Starlette:
    def fault(name: str, request: Request) -> JSONResponse | None:
        script.calls.append((name, dict(request.headers)))
        if script.faults[name]:
            status, body = script.faults[name].pop(0)
            return JSONResponse(body, status_code=status)
        return None

    async def token(request: Request) -> Response:
        if failed := fault("token", request):
            return failed
        script.tokens += 1
        return success({"token": f"tok-{script.tokens}", "user_id": "user-7", "expires_at": 4102444800, "credits": 100})

    async def session(request: Request) -> Response:
        if failed := fault("session", request):
            return failed
        script.sessions.append(f"sess-{len(script.sessions) + 1}")
        return success({"task_id": "t1", "session_id": script.sessions[-1], "user_id": "user-7"})

    async def credits(request: Request) -> Response:
        if failed := fault("credits", request):
            return failed
        balance = {"available": 5, "frozen": 1, "total_granted": 100, "total_consumed": 94}
        return success(balance if script.prices is None else {**balance, "prices": script.prices})

    async def state(request: Request) -> Response:
        if failed := fault("state", request):
            return failed
        return success({"state": {"draft": script.draft, "video_infos": [], "generated_media": []}})

    async def run_sse(request: Request) -> Response:
        if failed := fault("run_sse", request):
            return failed

        async def stream():
            for data in script.sse:
                await asyncio.sleep(script.sse_delay)
                yield f"data: {data}\n\n".encode()
            if script.draft_after_turn is not None:
                script.draft = script.draft_after_turn

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def upload(request: Request) -> Response:
        if failed := fault("upload", request):
            return failed
        await request.body()
        return success({"files": [{"filename": "a.mp4", "file_type": "video", "cdn_url": "https://cdn/a.mp4"}]})

    async def create_render(request: Request) -> Response:
        if failed := fault("render", request):
            return failed
        body = json.loads(await request.body())
        return success({"id": body["id"], "status": "pending", "progress": 0})

    async def render_status(request: Request) -> Response:
        script.status_polls += 1
        render_id = request.path_params["render_id"]
        if script.status_polls < 2:
            return success({"render_id": render_id, "status": "processing", "progress": 40})
        return success({"status": "completed", "outputUrl": f"{request.base_url}files/{render_id}.mp4"})

    async def file(request: Request) -> Response:
        script.calls.append(("file", dict(request.headers)))
        return Response(VIDEO_BYTES, media_type="video/mp4")

    return Starlette(routes=[
        Route("/api/auth/anonymous-token", token, methods=["POST"]),
        Route("/api/tasks/me/with-session/nemo_agent", session, methods=["POST"]),
        Route("/api/credits/balance/simple", credits),
        Route("/api/state/nemo_agent/me/{sid}/latest", state),
        Route("/run_sse", run_sse, methods=["POST"]),
        Route("/api/upload-video/nemo_agent/me/{sid}", upload, methods=["POST"]),
        Route("/api/render/proxy/lambda", create_render, methods=["POST"]),
        Route("/api/render/proxy/lambda/{render_id}", render_status),
        Route("/files/{name}", file),
    ])
