"""Helpers (no tests) for talking to the embedded backend's gateway dialect as its clients do: a key in the bearer header
the chat over a real WebSocket (the `websockets` client)."""

import asyncio
import contextlib
import json
from contextlib import asynccontextmanager

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TURN_SECONDS = 600


def new_key(client: httpx.Client, client_id: str) -> str:
    """A fresh user's key (the embedded backend's anonymous tokens have the gateway's `nmv_usr_` form)."""
    return client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id}).json()["data"]["token"]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_project(client: httpx.Client, key: str) -> tuple[str, str]:
    """(project id, session id) of a new project."""
    data = client.post("/projects", json={"create_session": True}, headers=bearer(key)).json()["data"]
    return data["project_id"], data["session"]["session_id"]


def socket_url(client: httpx.Client, query: str) -> str:
    return str(client.base_url).replace("http://", "ws://").rstrip("/") + "/ws/chat" + query


@asynccontextmanager
async def chat_socket(client: httpx.Client, key: str, session_id: str):
    """An open chat socket, its `session_ready` already read."""
    async with connect(socket_url(client, f"?token={key}&session_id={session_id}"), max_size=None) as socket:
        ready = json.loads(await socket.recv())
        assert ready["type"] == "session_ready" and ready["session_id"] == session_id, ready
        yield socket


async def until_done(socket, sent: dict) -> list[dict]:
    """Send one message and collect what comes back up to and including `done`."""
    await socket.send(json.dumps(sent))
    received = []
    async with asyncio.timeout(TURN_SECONDS):
        while not received or received[-1]["type"] != "done":
            received.append(json.loads(await socket.recv()))
    return received


def chat_turns(client: httpx.Client, key: str, session_id: str, *contents: str) -> list[list[dict]]:
    """Each content as one turn on one socket: the messages of every turn."""
    async def talk() -> list[list[dict]]:
        async with chat_socket(client, key, session_id) as socket:
            return [await until_done(socket, {"type": "message", "content": c, "metadata": {}}) for c in contents]

    return asyncio.run(talk())


def close_code(client: httpx.Client, query: str) -> tuple[int, list[dict]]:
    """The close code a socket opened with `query` ends with, and the messages it got before."""
    async def opened() -> tuple[int, list[dict]]:
        received = []
        async with connect(socket_url(client, query)) as socket:
            with contextlib.suppress(ConnectionClosed):
                async for message in socket:
                    received.append(json.loads(message))
            return socket.close_code, received

    return asyncio.run(opened())
