"""The embedded backend's HTTP application: the Nemo protocol's routes on Starlette.

Every answer is the protocol's envelope `{"code", "message", "data"}`; errors are raised
as ApiError anywhere and turned into the envelope in one exception handler, and anything
unexpected is answered the same way (code 500) by a last-resort guard. Requests are hostile
until checked: the Host name must be one this server answers to, JSON bodies are capped and
type-checked, and blocking work (SQLite, intent parsing) runs off the event loop so that no
request can hold up the others. Routes are a plain list, one small function each.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.routing import Route

from nemo_widgets.backend import prices
from nemo_widgets.backend.agent import Agent
from nemo_widgets.backend.data_dir import remove_debris
from nemo_widgets.backend.errors import (
    ApiError,
    auth_failed,
    bad_request,
    error_response,
    missing_client_id,
    rate_limited,
    session_not_found,
)
from nemo_widgets.backend.events import frame
from nemo_widgets.backend.gateway.context import Gateway
from nemo_widgets.backend.gateway.mount import gateway_routes
from nemo_widgets.backend.media_refs import find_upload
from nemo_widgets.backend.middleware import LOOPBACK_NAMES, CatchAll, TrustedHosts
from nemo_widgets.backend.renders import Renders, checked_render_id, job_payload
from nemo_widgets.backend.request_body import field, read_json
from nemo_widgets.backend.store import RenderJob, Store, TokenRefused, User
from nemo_widgets.backend.token_policy import (
    LOOPBACK_NETWORKS,
    MAX_CLIENT_ID_CHARS,
    TOKENS_PER_ADDRESS_HOUR,
    is_local,
    normalise_client_id,
)
from nemo_widgets.backend.uploads import download_urls, receive_multipart, register_uploads, too_large
from nemo_widgets.protocol.names import (
    APP_NAME,
    ATTRIBUTION_HEADERS,
    MAX_MESSAGE_CHARS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_FILES,
)
from nemo_widgets.protocol.options import OptionError, options_in_state_delta

Clock = Callable[[], float]
T = TypeVar("T")


def ok(data: dict[str, Any], message: str = "ok") -> JSONResponse:
    return JSONResponse({"code": 0, "message": message, "data": data})


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's own refusals (no such route, wrong method) in the envelope too."""
    assert isinstance(error, HTTPException)
    return error_response(ApiError(error.status_code, str(error.detail), error.status_code, headers=error.headers))


def create_app(
    store: Store, data_dir: Path, *, workers: int | None = None, allow_private_urls: bool = False,
    clock: Clock = time.time, allowed_hosts: Collection[str] | None = LOOPBACK_NAMES,
    local_networks: Collection[str] = LOOPBACK_NETWORKS, tokens_per_address_hour: int = TOKENS_PER_ADDRESS_HOUR,
) -> Starlette:
    """The application over `store`, keeping media under `data_dir`. It owns `store` and its two worker pools
    (songs, renders) from here: its lifespan clears a crash's debris at start, when no other live backend shares
    `data_dir`, and at shutdown stops every job and closes them all.

    At most `workers` songs (and renders) are made at once (default: the number of cores); URL uploads may reach
    private addresses only with `allow_private_urls`; requests must name one of `allowed_hosts` (None: any); callers
    outside `local_networks` get at most `tokens_per_address_hour` anonymous tokens per address and hour; `clock` is
    injectable so tests can move time."""
    media_dir = data_dir / "media"
    songs = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1, thread_name_prefix="nemo-song")
    agent = Agent(store, media_dir, songs)
    renders = Renders(store, media_dir, ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                           thread_name_prefix="nemo-render"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not await run_in_threadpool(store.shares_data_dir):
            await run_in_threadpool(remove_debris, media_dir)
        try:
            yield
        finally:
            renders.close()
            songs.shutdown(wait=False, cancel_futures=True)
            await run_in_threadpool(store.close)

    def caller(token: str) -> User:
        """The user behind a bearer token (reads SQLite: call it on a worker thread); 1001 when there is none."""
        user = store.user_for_token(token, clock()) if token else None
        if user is None:
            raise auth_failed()
        return user

    async def as_caller(request: Request, work: Callable[[User], T]) -> T:
        """`work(caller)`, after looking the caller up, in one trip to a worker thread: SQLite stays off the event
        loop, and a light request pays for a single thread hop (each hop waits for the GIL while songs are made)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        return await run_in_threadpool(lambda: work(caller(token)))

    async def current_user(request: Request) -> User:
        return await as_caller(request, lambda user: user)

    def path_user(request: Request, user: User) -> None:
        """Paths name the user as `me` or by id; another user's id finds nothing."""
        named = request.path_params.get("user", "me")
        if named not in ("me", user.id):
            raise session_not_found(request.path_params.get("session_id", ""))

    async def anonymous_token(request: Request) -> JSONResponse:
        client_id = normalise_client_id(request.headers.get("x-client-id", ""))
        if not client_id:
            raise missing_client_id()
        if len(client_id) > MAX_CLIENT_ID_CHARS:
            raise bad_request(f"The X-Client-Id header is too long ({MAX_CLIENT_ID_CHARS} characters at most).")
        address = request.client.host if request.client else None
        limited = not is_local(address, local_networks)
        issued = await run_in_threadpool(store.issue_anonymous_token, client_id, clock(), address if limited else None,
                                         tokens_per_address_hour if limited else None)
        if isinstance(issued, TokenRefused):
            if issued.reason == "client":
                raise rate_limited("This client already received an anonymous token this week: reuse it or register.",
                                   issued.retry_after)
            raise rate_limited(f"This address already received {tokens_per_address_hour} anonymous tokens in the last "
                               "hour: reuse one, register, or try again later.", issued.retry_after)
        return ok({"token": issued.token, "user_id": issued.user_id, "expires_at": int(issued.expires_at),
                   "credits": issued.credits})

    async def create_session(request: Request) -> JSONResponse:
        user = await current_user(request)
        path_user(request, user)
        body = await read_json(request)
        language = field(body, "language", str, "en")[:16] or "en"
        task_id, session_id = await run_in_threadpool(store.create_session, user, language, clock())
        return ok({"task_id": task_id, "session_id": session_id, "user_id": user.id})

    async def credits(request: Request) -> JSONResponse:
        return ok(prices.balance_fields(await as_caller(request, store.credits)))

    def owned_session(request: Request, user: User) -> tuple[User, str, dict[str, Any]]:
        """The caller, the session named in the path and its state; 1002 unless the caller owns it. Worker thread."""
        path_user(request, user)
        session_id = request.path_params["session_id"]
        state = store.session_state(user, session_id)
        if state is None:
            raise session_not_found(session_id)
        return user, session_id, state

    async def session_in_path(request: Request) -> tuple[User, str, dict[str, Any]]:
        return await as_caller(request, lambda user: owned_session(request, user))

    async def latest_state(request: Request) -> JSONResponse:
        user, session_id, state = await session_in_path(request)
        return ok({"session_id": session_id, "user_id": user.id, "state": state})

    async def run_sse(request: Request) -> StreamingResponse:
        user = await current_user(request)
        body = await read_json(request, hint=f"A chat message may have {MAX_MESSAGE_CHARS:,} characters at most.",
                               too_large_status=400)  # 400: clients read 413 as a file upload over its limit
        session_id = field(body, "session_id", str, "")
        if not session_id:
            raise ApiError(400, "The request needs a session_id: create a session first.", 400)
        message = message_text(body)
        try:
            options = options_in_state_delta(body.get("state_delta"))
        except OptionError as error:
            raise ApiError(400, str(error), 400, {"field": error.field}) from None
        turn = await run_in_threadpool(agent.prepare, user, session_id, message, options)
        items = agent.stream(turn)  # the turn starts now and is settled even if the client hangs up

        async def events() -> AsyncIterator[bytes]:
            async for item in items:
                yield frame(item)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    def job_answer(request: Request, job: RenderJob) -> dict[str, Any]:
        """The job as the protocol shows it, with its place in the queue. Worker thread."""
        return job_payload(job, str(request.base_url).rstrip("/"), store.queue_position(job))

    def render_job(request: Request, user: User) -> dict[str, Any]:
        """The caller's render named in the path; 404 when they have none by that id. Worker thread."""
        render_id = request.path_params["render_id"]
        job = store.render(user, render_id)
        if job is None:
            raise ApiError(404, f"Render {render_id} was not found.", 404)
        return job_answer(request, job)

    def render_response(payload: dict[str, Any]) -> JSONResponse:
        """The envelope, plus `success` and the job's status at the top level, as clients of both API styles read."""
        top = {k: payload[k] for k in ("status", "progress", "output", "error") if k in payload}
        return JSONResponse({"code": 0, "message": "ok", "success": True, **top, "data": payload})

    async def create_render(request: Request) -> JSONResponse:
        user = await current_user(request)
        if not all(request.headers.get(h) for h in ATTRIBUTION_HEADERS):
            raise ApiError(402, "Register or upgrade your plan to unlock export.", 402)
        body = await read_json(request)
        render_id = checked_render_id(body.get("id"))
        session_id = field(body, "sessionId", str, "") or field(body, "session_id", str, "")
        output = field(body, "output", dict, {})
        state = await run_in_threadpool(store.session_state, user, session_id)
        if state is None:
            raise session_not_found(session_id)
        draft = body.get("draft") or state["draft"]
        job = await run_in_threadpool(renders.submit, user, render_id, session_id, draft, state, output, clock())
        return render_response(await run_in_threadpool(job_answer, request, job))

    async def render_status(request: Request) -> JSONResponse:
        return render_response(await as_caller(request, lambda user: render_job(request, user)))

    async def cancel_render(request: Request) -> JSONResponse:
        def cancel(user: User) -> dict[str, Any]:
            render_job(request, user)
            renders.cancel(user, request.path_params["render_id"])
            return render_job(request, user)

        return render_response(await as_caller(request, cancel))

    async def download_render(request: Request) -> FileResponse:
        job = await as_caller(request, lambda user: store.render(user, request.path_params["render_id"]))
        if job is None or job.status != "completed" or not job.output or not Path(job.output).is_file():
            raise ApiError(404, "That video is not ready or does not exist.", 404)
        return FileResponse(job.output, media_type="video/mp4", filename=f"{job.id}.mp4")

    async def upload(request: Request) -> JSONResponse:
        user, session_id, _ = await session_in_path(request)
        folder = renders.user_dir(user) / "uploads"
        if request.headers.get("content-type", "").startswith("application/json"):
            urls = (await read_json(request)).get("urls")
            if not isinstance(urls, list) or not urls or len(urls) > MAX_UPLOAD_FILES or not all(isinstance(u, str) for u in urls):
                raise ApiError(400, f"Send `urls` as a list of 1 to {MAX_UPLOAD_FILES} links.", 400)
            incoming = await download_urls(urls, folder, allow_private_urls)
        else:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 1024 * 1024:
                raise too_large()
            incoming = await receive_multipart(request.stream(), request.headers.get("content-type", ""), folder)
        files = await register_uploads(incoming, folder, str(request.base_url).rstrip("/"))
        await run_in_threadpool(store.update_state, user, session_id,  # appended to the state as it is now
                                lambda fresh: fresh["video_infos"].extend(f.as_dict() for f in files))
        return ok({"files": [f.as_dict() for f in files], "session_state_applied": True})

    async def uploaded_file(request: Request) -> FileResponse:
        user = await current_user(request)
        match = await run_in_threadpool(find_upload, request.path_params["upload_id"], renders.user_dir(user))
        if match is None:
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
        *gateway_routes(Gateway(store, agent, renders, clock, as_caller, allow_private_urls)),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     middleware=[Middleware(TrustedHosts, allowed=allowed_hosts), Middleware(CatchAll)],
                     exception_handlers={ApiError: _api_error, HTTPException: _http_error})


def message_text(body: dict[str, Any]) -> str:
    """The text of `new_message.parts` (ADK's RunAgentRequest), checked for shape and for the protocol's size cap."""
    new_message = field(body, "new_message", dict, {})
    parts = field(new_message, "parts", list, [], "new_message.parts")
    texts = []
    for i, part in enumerate(parts):
        if not isinstance(part, dict):
            raise bad_request(f'The field `new_message.parts.{i}` must be an object such as {{"text": "..."}}.')
        texts.append(field(part, "text", str, "", f"new_message.parts.{i}.text"))
    message = "\n".join(texts).strip()
    if not message:
        raise ApiError(400, "The new_message has no text.", 400)
    if len(message) > MAX_MESSAGE_CHARS:
        raise bad_request(f"The message has {len(message):,} characters and {MAX_MESSAGE_CHARS:,} is the limit: "
                          "shorten it or split it into several messages.")
    return message

