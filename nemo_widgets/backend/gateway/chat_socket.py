"""Chat over the gateway's WebSocket, `GET /ws/chat?token=<key>&session_id=<sid>`.

The token comes in the query (the handshake carries no headers we can rely on). The socket is accepted first, so
that a refusal reaches the client as a close code: 4001 for a bad token, 4002 for a missing session id, 4004 for a
session that is not the caller's (after an `error` saying so). Then `session_ready`; each `{"type": "message"}` is
one turn of the same agent that serves `/run_sse`, told as socket messages (`chat_events.py`) and ended by `done`;
`{"type": "ping"}` gets `pong`, also while a turn runs; `{"type": "abort"}` stops listening to the running turn. One
turn at a time per socket. A client that leaves (or aborts) does not stop its turn: the agent settles it as it does
for a closed SSE stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from nemo_widgets.backend.errors import ApiError, session_not_found
from nemo_widgets.backend.gateway.chat_events import DONE, PONG, error_message, socket_messages
from nemo_widgets.backend.gateway.context import Gateway
from nemo_widgets.backend.request_body import MAX_JSON_BYTES
from nemo_widgets.backend.store import User
from nemo_widgets.protocol.names import (
    MAX_MESSAGE_CHARS,
    WS_CLOSE_AUTH,
    WS_CLOSE_NO_SESSION,
    WS_CLOSE_UNKNOWN_SESSION,
)
from nemo_widgets.protocol.options import OptionError, SongOptions, options_in_state_delta

_LOG = logging.getLogger(__name__)
UNEXPECTED = "The turn could not start: the server failed (the error is logged). Try again, and report it if it recurs."
_STARTING: set[asyncio.Task[AsyncIterator[dict[str, Any]]]] = set()  # turns being prepared, kept alive


class ChatSocket:
    """One client's socket: sends are serialised (pongs and a turn's messages come from two tasks)."""

    def __init__(self, gateway: Gateway, websocket: WebSocket, user: User, session_id: str) -> None:
        self._gateway = gateway
        self._websocket = websocket
        self._user = user
        self._session_id = session_id
        self._sending = asyncio.Lock()
        self._turn: asyncio.Task[None] | None = None

    async def send(self, message: dict[str, Any]) -> None:
        async with self._sending:
            await self._websocket.send_text(json.dumps({**message, "session_id": self._session_id},
                                                       ensure_ascii=False, separators=(",", ":")))

    async def serve(self) -> None:
        """Answer the client's messages until it leaves; then its turn's relay stops (the turn itself goes on)."""
        try:
            while (raw := await self._receive()) is not None:
                await self._handle(raw)
        finally:
            await self._stop_relay()

    async def _receive(self) -> str | None:
        message = await self._websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        if message.get("text") is not None:
            return message["text"]
        return (message.get("bytes") or b"").decode("utf-8", "replace")

    async def _handle(self, raw: str) -> None:
        try:
            if len(raw) > MAX_JSON_BYTES:
                raise ApiError(400, f"A socket message may have {MAX_JSON_BYTES:,} characters at most.", 400)
            try:
                request = json.loads(raw)
            except (ValueError, RecursionError):
                raise ApiError(400, 'Send JSON such as {"type": "message", "content": "..."}.', 400) from None
            kind = request.get("type") if isinstance(request, dict) else None
            if kind == "ping":
                await self.send(PONG)
            elif kind == "abort":
                await self._abort()
            elif kind == "message":
                if self._turn is not None and not self._turn.done():
                    raise ApiError(409, "A turn is already running on this socket: wait for its `done`.", 409)
                content, options = _chat_request(request)
                self._turn = asyncio.get_running_loop().create_task(self._run_turn(content, options))
            else:
                raise ApiError(400, f"Unknown message type {str(kind)[:40]!r}: send `message`, `ping` or `abort`.", 400)
        except ApiError as error:
            await self.send(error_message(error))

    async def _start_turn(self, content: str, options: SongOptions) -> AsyncIterator[dict[str, Any]]:
        """Prepare the turn (credits taken, journaled) and start it: the turn then runs to its end, listened to or not."""
        turn = await run_in_threadpool(self._gateway.agent.prepare, self._user, self._session_id, content, options)
        return self._gateway.agent.stream(turn)

    async def _run_turn(self, content: str, options: SongOptions) -> None:
        starting = asyncio.get_running_loop().create_task(self._start_turn(content, options))
        _STARTING.add(starting)  # a client leaving mid-prepare must not leave a journaled turn that never runs
        starting.add_done_callback(_STARTING.discard)
        starting.add_done_callback(lambda task: task.cancelled() or task.exception())  # a refusal nobody awaits
        try:
            items = await asyncio.shield(starting)
        except ApiError as error:
            await self.send(error_message(error))
        except Exception:  # a bug: the client still hears of it and the socket stays usable
            _LOG.exception("chat turn in session %s could not start", self._session_id)
            await self.send({"type": "error", "error": UNEXPECTED, "code": 500})
        else:
            async with contextlib.aclosing(items):
                async for item in items:
                    for message in socket_messages(item):
                        await self.send(message)
        await self.send(DONE)

    async def _stop_relay(self) -> bool:
        """Stop relaying the running turn, as a client that hangs up does: a song still waiting for a worker is taken
        off the queue and refunded; work already under way still reaches the session. False when none was running."""
        turn, self._turn = self._turn, None
        if turn is None or turn.done():
            return False
        turn.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await turn
        return True

    async def _abort(self) -> None:
        if await self._stop_relay():
            await self.send({**DONE, "aborted": True})


def _chat_request(request: dict[str, Any]) -> tuple[str, SongOptions]:
    """The message's text and its song options (`metadata.song_options`, as `/run_sse` reads `state_delta`)."""
    content = request.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(400, "The message needs its text in `content`.", 400)
    if len(content) > MAX_MESSAGE_CHARS:
        raise ApiError(400, f"The message has {len(content):,} characters and {MAX_MESSAGE_CHARS:,} is the limit: "
                            "shorten it or split it into several messages.", 400)
    try:
        options = options_in_state_delta(request.get("metadata"))
    except OptionError as error:
        raise ApiError(400, str(error), 400, {"field": error.field}) from None
    return content.strip(), options


async def chat(gateway: Gateway, websocket: WebSocket) -> None:
    token = websocket.query_params.get("token", "").strip()
    session_id = websocket.query_params.get("session_id", "").strip()
    await websocket.accept()
    user = await run_in_threadpool(gateway.store.user_for_token, token, gateway.clock()) if token else None
    if user is None:
        await websocket.close(WS_CLOSE_AUTH, "Invalid or expired token")
        return
    if not session_id:
        await websocket.close(WS_CLOSE_NO_SESSION, "Missing session_id")
        return
    project_id = await run_in_threadpool(gateway.store.project_of, user, session_id)
    socket = ChatSocket(gateway, websocket, user, session_id)
    if project_id is None:
        await socket.send(error_message(session_not_found(session_id)))
        await websocket.close(WS_CLOSE_UNKNOWN_SESSION, "Session not found")
        return
    await socket.send({"type": "session_ready", "project_id": project_id})
    with contextlib.suppress(WebSocketDisconnect):
        await socket.serve()
