"""The embedded backend's HTTP application: the Nemo protocol's routes on Starlette.

Every answer is the protocol's envelope `{"code", "message", "data"}`; errors are raised
as ApiError anywhere and turned into the envelope in one exception handler. Routes are a
plain list, one small function each.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Route

from nemo_widgets.backend.agent import Agent
from nemo_widgets.backend.errors import ApiError, auth_failed, missing_client_id, rate_limited, session_not_found
from nemo_widgets.backend.events import frame
from nemo_widgets.backend.renders import Renders, checked_render_id, job_payload
from nemo_widgets.backend.store import Store, User
from nemo_widgets.backend.uploads import MAX_BYTES, MAX_FILES, download_url, receive_multipart, register_file, too_large
from nemo_widgets.protocol.options import OptionError, options_in_state_delta

APP_NAME = "nemo_agent"
ATTRIBUTION_HEADERS = ("x-skill-source", "x-skill-version", "x-skill-platform")
Clock = Callable[[], float]


def ok(data: dict[str, Any], message: str = "ok") -> JSONResponse:
    return JSONResponse({"code": 0, "message": message, "data": data})


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return JSONResponse({"code": error.code, "message": error.message, "data": error.data}, status_code=error.status,
                        headers=error.headers)


def create_app(
    store: Store, data_dir: Path, *, workers: int | None = None, allow_private_urls: bool = False, clock: Clock = time.time
) -> Starlette:
    """The application over `store`, keeping media under `data_dir`; at most `workers` songs are made
    at once (default: the number of cores); URL uploads may reach private addresses only with
    `allow_private_urls`; `clock` is injectable so tests can move time."""
    agent = Agent(store, data_dir / "media", ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                               thread_name_prefix="nemo-song"))
    renders = Renders(store, data_dir / "media", ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                                    thread_name_prefix="nemo-render"))

    def current_user(request: Request) -> User:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user = store.user_for_token(token.strip(), clock()) if scheme.lower() == "bearer" and token else None
        if user is None:
            raise auth_failed()
        return user

    def path_user(request: Request, user: User) -> None:
        """Paths name the user as `me` or by id; another user's id finds nothing."""
        named = request.path_params.get("user", "me")
        if named not in ("me", user.id):
            raise session_not_found(request.path_params.get("session_id", ""))

    async def json_body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError(400, "The request body is not valid JSON.", 400) from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.", 400)
        return body

    async def anonymous_token(request: Request) -> JSONResponse:
        client_id = request.headers.get("x-client-id", "").strip()
        if not client_id:
            raise missing_client_id()
        if len(client_id) > 200:
            raise ApiError(400, "The X-Client-Id header is too long (200 characters at most).", 400)
        issued = store.issue_anonymous_token(client_id, clock())
        if issued is None:
            raise rate_limited("This client already received an anonymous token this week: reuse it or register.")
        return ok({"token": issued.token, "user_id": issued.user_id, "expires_at": int(issued.expires_at),
                   "credits": issued.credits})

    async def create_session(request: Request) -> JSONResponse:
        user = current_user(request)
        path_user(request, user)
        body = await json_body(request)
        language = str(body.get("language") or "en")[:16]
        task_id, session_id = store.create_session(user, language, clock())
        return ok({"task_id": task_id, "session_id": session_id, "user_id": user.id})

    async def credits(request: Request) -> JSONResponse:
        balance = store.credits(current_user(request))
        return ok({"available": balance.available, "frozen": balance.frozen, "total": balance.total_granted,
                   "total_granted": balance.total_granted, "total_consumed": balance.total_consumed})

    def session_in_path(request: Request) -> tuple[User, str, dict[str, Any]]:
        """The caller, the session named in the path and its state; 1002 unless the caller owns it."""
        user = current_user(request)
        path_user(request, user)
        session_id = request.path_params["session_id"]
        state = store.session_state(user, session_id)
        if state is None:
            raise session_not_found(session_id)
        return user, session_id, state

    async def latest_state(request: Request) -> JSONResponse:
        user, session_id, state = session_in_path(request)
        return ok({"session_id": session_id, "user_id": user.id, "state": state})

    async def run_sse(request: Request) -> StreamingResponse:
        user = current_user(request)
        body = await json_body(request)
        session_id = str(body.get("session_id") or "")
        if not session_id:
            raise ApiError(400, "The request needs a session_id: create a session first.", 400)
        parts = (body.get("new_message") or {}).get("parts") or []
        message = "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict)).strip()
        if not message:
            raise ApiError(400, "The new_message has no text.", 400)
        try:
            options = options_in_state_delta(body.get("state_delta"))
        except OptionError as error:
            raise ApiError(400, str(error), 400, {"field": error.field}) from None
        turn = agent.prepare(user, session_id, message, options)
        items = agent.stream(turn)  # the turn starts now and is settled even if the client hangs up

        async def events() -> AsyncIterator[bytes]:
            async for item in items:
                yield frame(item)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    def render_job(request: Request, user: User) -> dict[str, Any]:
        render_id = request.path_params["render_id"]
        job = store.render(user, render_id)
        if job is None:
            raise ApiError(404, f"Render {render_id} was not found.", 404)
        return job_payload(job, str(request.base_url).rstrip("/"), store.queue_position(job))

    def render_response(payload: dict[str, Any]) -> JSONResponse:
        """The envelope, plus `success` and the job's status at the top level, as clients of both API styles read."""
        top = {k: payload[k] for k in ("status", "progress", "output", "error") if k in payload}
        return JSONResponse({"code": 0, "message": "ok", "success": True, **top, "data": payload})

    async def create_render(request: Request) -> JSONResponse:
        user = current_user(request)
        if not all(request.headers.get(h) for h in ATTRIBUTION_HEADERS):
            raise ApiError(402, "Register or upgrade your plan to unlock export.", 402)
        body = await json_body(request)
        render_id = checked_render_id(body.get("id"))
        session_id = str(body.get("sessionId") or body.get("session_id") or "")
        state = store.session_state(user, session_id)
        if state is None:
            raise session_not_found(session_id)
        draft = body.get("draft") or state["draft"]
        job = renders.submit(user, render_id, session_id, draft, state, body.get("output") or {}, clock())
        return render_response(job_payload(job, str(request.base_url).rstrip("/"), store.queue_position(job)))

    async def render_status(request: Request) -> JSONResponse:
        return render_response(render_job(request, current_user(request)))

    async def cancel_render(request: Request) -> JSONResponse:
        user = current_user(request)
        render_job(request, user)
        renders.cancel(user, request.path_params["render_id"])
        return render_response(render_job(request, user))

    async def download_render(request: Request) -> FileResponse:
        user = current_user(request)
        job = store.render(user, request.path_params["render_id"])
        if job is None or job.status != "completed" or not job.output or not Path(job.output).is_file():
            raise ApiError(404, "That video is not ready or does not exist.", 404)
        return FileResponse(job.output, media_type="video/mp4", filename=f"{job.id}.mp4")

    async def upload(request: Request) -> JSONResponse:
        user, session_id, _ = session_in_path(request)
        folder = renders.user_dir(user) / "uploads"
        if request.headers.get("content-type", "").startswith("application/json"):
            urls = (await json_body(request)).get("urls")
            if not isinstance(urls, list) or not urls or len(urls) > MAX_FILES or not all(isinstance(u, str) for u in urls):
                raise ApiError(400, f"Send `urls` as a list of 1 to {MAX_FILES} links.", 400)
            incoming = [await download_url(url, folder, allow_private_urls) for url in urls]
        else:
            if int(request.headers.get("content-length") or 0) > MAX_BYTES + 1024 * 1024:
                raise too_large()
            incoming = await receive_multipart(request.stream(), request.headers.get("content-type", ""), folder)
        base = str(request.base_url).rstrip("/")
        files = []
        try:
            for name, path, size in incoming:
                files.append(await run_in_threadpool(register_file, name, path, size, folder, base))
        except ApiError:
            for _, path, _ in incoming:
                path.unlink(missing_ok=True)
            for done in files:
                Path(done.path).unlink(missing_ok=True)
            raise
        await run_in_threadpool(store.update_state, user, session_id,  # appended to the state as it is now
                                lambda fresh: fresh["video_infos"].extend(f.as_dict() for f in files))
        return ok({"files": [f.as_dict() for f in files], "session_state_applied": True})

    async def uploaded_file(request: Request) -> FileResponse:
        user = current_user(request)
        upload_id = request.path_params["upload_id"]
        match = next(iter(sorted((renders.user_dir(user) / "uploads").glob(f"{upload_id}.*"))), None)
        if match is None or not upload_id.startswith("up_"):
            raise ApiError(404, "That upload does not exist.", 404)
        return FileResponse(match)

    routes = [
        Route("/api/auth/anonymous-token", anonymous_token, methods=["POST"]),
        Route(f"/api/tasks/{{user}}/with-session/{APP_NAME}", create_session, methods=["POST"]),
        Route("/api/credits/balance/simple", credits, methods=["GET"]),
        Route(f"/api/state/{APP_NAME}/{{user}}/{{session_id}}/latest", latest_state, methods=["GET"]),
        Route("/run_sse", run_sse, methods=["POST"]),
        Route(f"/api/upload-video/{APP_NAME}/{{user}}/{{session_id}}", upload, methods=["POST"]),
        Route("/api/uploads/{upload_id}", uploaded_file, methods=["GET"]),
        Route("/api/render/proxy/lambda", create_render, methods=["POST"]),
        Route("/api/render/proxy/lambda/{render_id}", render_status, methods=["GET"]),
        Route("/api/render/proxy/lambda/{render_id}/cancel", cancel_render, methods=["POST"]),
        Route("/api/render/proxy/{render_id}/download", download_render, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={ApiError: _api_error})
