"""The gateway's export: `POST /services/v1/render-proxy/lambda` queues a job on the same render pool as the
bootstrap dialect's export; its status answers `progress` in percent and, once done, a signed `outputUrl` that
downloads without a bearer header; `GET /services/v1/render-proxy/{project_id}/download` names the project's latest
finished render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse

from nemo_widgets.backend.errors import ApiError, session_not_found
from nemo_widgets.backend.gateway.context import Gateway, answer
from nemo_widgets.backend.gateway.output_links import OutputLinks
from nemo_widgets.backend.gateway.project_routes import owned_project
from nemo_widgets.backend.renders import checked_render_id
from nemo_widgets.backend.request_body import field, read_json
from nemo_widgets.backend.store import RenderJob, User


def status_fields(gateway: Gateway, links: OutputLinks, request: Request, user: User, job: RenderJob) -> dict[str, Any]:
    """A job as the gateway shows it: progress in percent, `outputUrl` (and `output.url`) once completed."""
    body: dict[str, Any] = {"id": job.id, "render_id": job.id, "session_id": job.session_id, "status": job.status,
                            "progress": round(job.progress * 100)}
    if job.status == "completed":
        url = links.url(str(request.base_url).rstrip("/"), user.id, job.id, gateway.clock())
        body["outputUrl"] = url
        body["output"] = {"url": url, "duration": job.duration, "size": job.size}
    if job.error:
        body["error"] = job.error
    return body


async def create_render(gateway: Gateway, links: OutputLinks, request: Request) -> JSONResponse:
    """`{id, sessionId | projectId, draft?, output?}`: the draft sent, else the session's own."""
    body = await read_json(request)
    render_id = checked_render_id(body.get("id"))
    session_id = field(body, "sessionId", str, "") or field(body, "session_id", str, "")
    project_id = field(body, "projectId", str, "") or field(body, "project_id", str, "")
    output = field(body, "output", dict, {})

    def submit(user: User) -> dict[str, Any]:
        sid = session_id or (owned_project(gateway, user, project_id).sessions[-1].id if project_id else "")
        state = gateway.store.session_state(user, sid)
        if state is None:
            raise session_not_found(sid)
        draft = body.get("draft") or state["draft"]
        job = gateway.renders.submit(user, render_id, sid, draft, state, output, gateway.clock())
        return status_fields(gateway, links, request, user, job)

    return answer(await gateway.as_caller(request, submit))


async def render_status(gateway: Gateway, links: OutputLinks, request: Request) -> JSONResponse:
    def status(user: User) -> dict[str, Any]:
        render_id = request.path_params["render_id"]
        job = gateway.store.render(user, render_id)
        if job is None:
            raise ApiError(404, f"Render {render_id[:100]} was not found.", 404)
        return status_fields(gateway, links, request, user, job)

    return answer(await gateway.as_caller(request, status))


async def project_download(gateway: Gateway, links: OutputLinks, request: Request) -> JSONResponse:
    """`{output{url, size}}` for the project's latest finished render (404 when it has none)."""
    def latest(user: User) -> dict[str, Any]:
        project = owned_project(gateway, user, request.path_params["project_id"])
        job = gateway.store.latest_render(user, [s.id for s in project.sessions])
        if job is None:
            raise ApiError(404, f"Project {project.id} has no finished render yet: export it first.", 404)
        return status_fields(gateway, links, request, user, job)

    return answer(await gateway.as_caller(request, latest))


async def output_file(gateway: Gateway, links: OutputLinks, request: Request) -> FileResponse:
    """The MP4 behind a signed link; no bearer header needed (403 for a tampered or expired link)."""
    user_id, render_id = request.path_params["user_id"], request.path_params["render_id"]
    links.check(user_id, render_id, request.query_params.get("expires", ""),
                request.query_params.get("signature", ""), gateway.clock())
    owner = User(user_id, "linked")  # the signature vouches for the id; renders are looked up by it alone
    job = await run_in_threadpool(gateway.store.render, owner, render_id)
    if job is None or job.status != "completed" or not job.output or not Path(job.output).is_file():
        raise ApiError(404, "That video no longer exists: export it again.", 404)
    return FileResponse(job.output, media_type="video/mp4", filename=f"{job.id}.mp4")
