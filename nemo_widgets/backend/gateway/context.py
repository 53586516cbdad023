"""What the gateway's routes share with the bootstrap dialect's: the store, the agent, the render jobs, the clock
and the way a bearer token becomes a user, handed over by `create_app` in one object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse

from nemo_widgets.backend.agent import Agent
from nemo_widgets.backend.renders import Renders
from nemo_widgets.backend.store import Store, User

T = TypeVar("T")
AsCaller = Callable[[Request, Callable[[User], T]], Awaitable[T]]


@dataclass(frozen=True)
class Gateway:
    store: Store
    agent: Agent
    renders: Renders
    clock: Callable[[], float]
    as_caller: AsCaller[Any]  # `work(caller)` on a worker thread, after the bearer token is checked (1001 if not)
    allow_private_urls: bool = False

    async def caller(self, request: Request) -> User:
        return await self.as_caller(request, lambda user: user)


def answer(data: dict[str, Any]) -> JSONResponse:
    """The gateway's envelope for a success: the same `{code, message, data}` as the bootstrap dialect."""
    return JSONResponse({"code": 0, "message": "ok", "data": data})


def iso_time(seconds: float) -> str:
    """A time as the gateway writes it: ISO 8601 in UTC."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
