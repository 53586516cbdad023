"""The API-key gateway's side of the protocol: its routes, its state shape and its chat over a WebSocket.

`NemoClient` calls these when it speaks the gateway dialect; the turn's messages become the same typed events as an
SSE turn (`events.parse_data`), so everything above the client works unchanged over either dialect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from nemo_widgets.client.errors import AuthError, BackendUnavailable, BadRequest, SessionNotFound
from nemo_widgets.client.events import Event, TurnComplete, parse_data
from nemo_widgets.protocol.names import (
    SONG_OPTIONS_KEY,
    WS_CLOSE_AUTH,
    WS_CLOSE_NO_SESSION,
    WS_CLOSE_UNKNOWN_SESSION,
)
from nemo_widgets.protocol.options import SongOptions

VERIFY = "/auth/verify"
BALANCE = "/billing/balance"
PROJECTS = "/projects"
UPLOAD = "/files/upload"
RENDERS = "/services/v1/render-proxy/lambda"
HANDSHAKE_RETRIES = (2.0, 3.0, 5.0)  # seconds before each new try after a 502/503/504 handshake answer
RETRIED_STATUSES = frozenset({502, 503, 504})
MAX_MESSAGE_BYTES = 4 * 1024 * 1024

Sleep = Callable[[float], Awaitable[None]]


def state_path(project_id: str) -> str:
    return f"/api/v1/state/frontend/{quote(project_id, safe='')}"


def download_path(project_id: str) -> str:
    return f"/services/v1/render-proxy/{quote(project_id, safe='')}/download"


def socket_url(base_url: str, token: str, session_id: str) -> str:
    """The chat socket's address: the key travels in the query, as the gateway expects, never in a header."""
    scheme, _, rest = base_url.rstrip("/").partition("://")
    ws_scheme = "wss" if scheme == "https" else "ws"
    return f"{ws_scheme}://{rest}/ws/chat?token={quote(token, safe='')}&session_id={quote(session_id, safe='')}"


def project_state(data: dict[str, Any]) -> dict[str, Any]:
    """A project's frontend state in the bootstrap's session-state shape, which the controller reads: the draft
    under `draft`, the `files:*` lists as the uploads (`video_infos`); anything else the backend sends is kept."""
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    state = {key: value for key, value in project.items() if not key.startswith("files:") and key != "timeline_draft"}
    if isinstance(project.get("timeline_draft"), dict):
        state["draft"] = project["timeline_draft"]
    uploads = [dict(f) for key, files in project.items() if key.startswith("files:") and isinstance(files, list)
               for f in files if isinstance(f, dict)]
    if uploads and "video_infos" not in state:
        state["video_infos"] = uploads
    return state


def chat_message(message: str, options: SongOptions | None) -> str:
    """The socket message for one user turn; options travel as data in `metadata`, like the SSE turn's state delta."""
    metadata = {SONG_OPTIONS_KEY: options.to_wire()} if options is not None and options.given else {}
    return json.dumps({"type": "message", "content": message, "metadata": metadata})


class SocketDropped(Exception):
    """The chat socket closed before the turn's `done` arrived."""


async def socket_turn(url: str, message: str, options: SongOptions | None, sleep: Sleep,
                      ping_every: float) -> AsyncIterator[Event]:
    """The events of one turn: wait for `session_ready`, send the message, read until `done`; a ping every
    `ping_every` seconds keeps idle proxies from closing the socket during a long song."""
    async with _open(url, sleep) as socket:
        await _ready(socket)
        await socket.send(chat_message(message, options))
        pinger = asyncio.create_task(_ping(socket, ping_every))
        try:
            while True:
                try:
                    raw = await socket.recv()
                except ConnectionClosed as closed:
                    _raise_for_close(closed)
                    raise SocketDropped(str(closed)) from closed
                for event in parse_data(raw if isinstance(raw, str) else raw.decode("utf-8", "replace")):
                    yield event
                    if isinstance(event, TurnComplete):
                        return
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger


async def check_socket(url: str, sleep: Sleep) -> None:
    """Open the chat socket and wait for `session_ready`: after a drop, proof that the backend and session are back."""
    async with _open(url, sleep) as socket:
        await _ready(socket)


@contextlib.asynccontextmanager
async def _open(url: str, sleep: Sleep) -> AsyncIterator[ClientConnection]:
    """A connected socket; a 502/503/504 handshake is tried again after a pause, a 4001/4002 close is an error."""
    delays = iter(HANDSHAKE_RETRIES)
    while True:
        try:
            socket = await connect(url, open_timeout=30, max_size=MAX_MESSAGE_BYTES, ping_interval=None)
            break
        except InvalidStatus as error:
            status = error.response.status_code
            delay = next(delays, None) if status in RETRIED_STATUSES else None
            if delay is None:
                if status in (401, 403):
                    raise AuthError("The backend refused the API key for the chat socket.", status=status) from None
                raise BackendUnavailable(f"The chat socket's handshake was answered with HTTP {status}.") from None
            await sleep(delay)
        except (OSError, TimeoutError, WebSocketException) as error:
            raise BackendUnavailable(f"Cannot open the chat socket: {error}.") from error
    try:
        yield socket
    finally:
        await socket.close()


async def _ready(socket: ClientConnection) -> None:
    """Wait for `session_ready`: the gateway expects nothing from the client before it."""
    while True:
        try:
            raw = await socket.recv()
        except ConnectionClosed as closed:
            _raise_for_close(closed)
            raise BackendUnavailable(f"The chat socket closed before the session was ready ({closed}).") from None
        with contextlib.suppress(ValueError, AttributeError):
            if json.loads(raw).get("type") == "session_ready":
                return


def _raise_for_close(closed: ConnectionClosed) -> None:
    code = closed.rcvd.code if closed.rcvd is not None else None
    if code == WS_CLOSE_AUTH:
        raise AuthError("The backend refused the API key on the chat socket (bad or expired key).", code=1001,
                        status=401) from None
    if code == WS_CLOSE_NO_SESSION:
        raise BadRequest("The chat socket was opened without a session id.") from None
    if code == WS_CLOSE_UNKNOWN_SESSION:
        raise SessionNotFound("This session no longer exists on the backend.", code=1002, status=404) from None


async def _ping(socket: ClientConnection, every: float) -> None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.sleep(every)
            await socket.send(json.dumps({"type": "ping"}))

