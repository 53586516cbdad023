"""Every route of the gateway dialect, bound to what it shares with the bootstrap dialect (`context.Gateway`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from nemo_widgets.backend.gateway import account_routes, file_routes, project_routes, render_routes
from nemo_widgets.backend.gateway.chat_socket import chat
from nemo_widgets.backend.gateway.context import Gateway
from nemo_widgets.backend.gateway.output_links import OUTPUT_PATH, OutputLinks

RENDERS = "/services/v1/render-proxy"


def _bound(handler: Callable[..., Awaitable[Any]], *shared: Any) -> Callable[[Any], Awaitable[Any]]:
    """`handler(*shared, request)` as an endpoint Starlette recognises as async."""
    async def endpoint(request_or_socket: Request | WebSocket) -> Response | None:
        return await handler(*shared, request_or_socket)

    return endpoint


def gateway_routes(gateway: Gateway) -> list[BaseRoute]:
    links = OutputLinks.for_store(gateway.store)
    get, post = ["GET"], ["POST"]
    return [
        Route("/auth/verify", _bound(account_routes.verify, gateway), methods=post),
        Route("/billing/balance", _bound(account_routes.balance, gateway), methods=get),
        Route("/billing/usage/conversations", _bound(account_routes.usage, gateway), methods=get),
        Route("/projects", _bound(project_routes.create_project, gateway), methods=post),
        Route("/projects", _bound(project_routes.list_projects, gateway), methods=get),
        Route("/projects/{project_id}", _bound(project_routes.get_project, gateway), methods=get),
        Route("/projects/{project_id}/sessions", _bound(project_routes.project_sessions, gateway), methods=get),
        Route("/api/v1/state/frontend/{project_id}", _bound(project_routes.frontend_state, gateway), methods=get),
        Route("/files/upload", _bound(file_routes.upload, gateway), methods=post),
        Route(f"{RENDERS}/lambda", _bound(render_routes.create_render, gateway, links), methods=post),
        Route(f"{RENDERS}/lambda/{{render_id}}", _bound(render_routes.render_status, gateway, links), methods=get),
        Route(f"{OUTPUT_PATH}/{{user_id}}/{{render_id}}.mp4", _bound(render_routes.output_file, gateway, links),
              methods=get),
        Route(f"{RENDERS}/{{project_id}}/download", _bound(render_routes.project_download, gateway, links), methods=get),
        WebSocketRoute("/ws/chat", _bound(chat, gateway)),
    ]
