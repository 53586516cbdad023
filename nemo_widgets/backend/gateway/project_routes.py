"""The gateway's projects: a thin layer over the bootstrap dialect's sessions (`backend/store.py` keeps which
project wraps which session). A project is named after its latest song; another user's project is 404, as another
user's render is."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from nemo_widgets.backend.errors import ApiError
from nemo_widgets.backend.gateway.context import Gateway, answer, iso_time
from nemo_widgets.backend.request_body import field, read_json
from nemo_widgets.backend.store import Project, ProjectSession, User


def project_not_found(project_id: str) -> ApiError:
    return ApiError(404, f"Project {project_id[:100]} was not found: list your projects with GET /projects.", 404)


def owned_project(gateway: Gateway, user: User, project_id: str) -> Project:
    """The caller's project; 404 when there is none by that id. Worker thread."""
    project = gateway.store.project(user, project_id)
    if project is None:
        raise project_not_found(project_id)
    return project


def project_fields(project: Project, user: User) -> dict[str, Any]:
    return {"project_id": project.id, "user_id": user.id, "name": project.name, "status": "active",
            "created_at": iso_time(project.created), "updated_at": iso_time(project.updated)}


def session_fields(project: Project, session: ProjectSession) -> dict[str, Any]:
    return {"session_id": session.id, "project_id": project.id, "name": project.name, "status": "active",
            "created_at": iso_time(session.created), "updated_at": iso_time(project.updated)}


async def create_project(gateway: Gateway, request: Request) -> JSONResponse:
    """`{"create_session": true}` -> a project with one session (a project needs a session to hold anything, so
    one is made whatever the flag says)."""
    body = await read_json(request)
    language = field(body, "language", str, "en")[:16] or "en"

    def create(user: User) -> dict[str, Any]:
        _, session_id = gateway.store.create_session(user, language, gateway.clock())
        project = owned_project(gateway, user, gateway.store.project_of(user, session_id) or "")
        return {**project_fields(project, user), "session": session_fields(project, project.sessions[0])}

    return answer(await gateway.as_caller(request, create))


async def list_projects(gateway: Gateway, request: Request) -> JSONResponse:
    def listed(user: User) -> list[dict[str, Any]]:
        return [project_fields(p, user) for p in gateway.store.projects(user)]

    projects = await gateway.as_caller(request, listed)
    return answer({"projects": projects, "count": len(projects)})


async def get_project(gateway: Gateway, request: Request) -> JSONResponse:
    def found(user: User) -> dict[str, Any]:
        project = owned_project(gateway, user, request.path_params["project_id"])
        return {**project_fields(project, user), "session": session_fields(project, project.sessions[-1])}

    return answer(await gateway.as_caller(request, found))


async def project_sessions(gateway: Gateway, request: Request) -> JSONResponse:
    def sessions(user: User) -> list[dict[str, Any]]:
        project = owned_project(gateway, user, request.path_params["project_id"])
        return [session_fields(project, s) for s in reversed(project.sessions)]  # the newest first: clients take [0]

    return answer({"sessions": await gateway.as_caller(request, sessions)})


async def frontend_state(gateway: Gateway, request: Request) -> JSONResponse:
    """The project as the gateway's editor state: the newest session's draft as `timeline_draft`, and each
    session's uploads under `files:<session id>` (by id: `s3_key` is the upload's id, never a server path)."""
    def state(user: User) -> dict[str, Any]:
        project = owned_project(gateway, user, request.path_params["project_id"])
        latest = project.sessions[-1].state
        body: dict[str, Any] = {"project_id": project.id, "session_id": project.sessions[-1].id,
                                "timeline_draft": latest["draft"], "canvas_config": latest["canvas_config"],
                                "generated_media": latest["generated_media"]}
        for session in project.sessions:
            body[f"files:{session.id}"] = [{**upload, "s3_key": upload["id"]} for upload in session.state["video_infos"]]
        return {"project": body, "projectName": project.name, "draft": latest["draft"], "version": 1}

    return answer(await gateway.as_caller(request, state))
