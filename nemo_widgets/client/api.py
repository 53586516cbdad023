"""`NemoClient`: every route of the Nemo protocol, async, with the protocol's error rules in one place.

One client speaks for one session, in either of the backend's dialects: the anonymous bootstrap (`/api/...`, chat
turns over SSE) or the API-key gateway (`/projects`, `/billing/...`, chat over a WebSocket; `gateway.py`). Without a
key it speaks the bootstrap; with one, whichever dialect the backend answers when probed once (`POST /auth/verify`),
unless configured. The rules (re-authenticate once on 1001, a new session
once on 1002, a new client id once on HTTP 400 from the token route, one retry after 30 s
on 429, a new render id on a duplicate) live in `_call`, `_fetch_token` and `create_render`;
everything else raises the typed errors of `errors.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import aconnect_sse

from nemo_widgets.client import gateway
from nemo_widgets.client.config import REGISTER_URL, CachedToken, Identity, attribution_headers
from nemo_widgets.client.envelope import unwrap
from nemo_widgets.client.errors import (
    AuthError,
    BackendUnavailable,
    SessionClosed,
    BadRequest,
    MissingClientId,
    NemoError,
    NoCredits,
    RateLimited,
    RenderFailed,
    SessionNotFound,
    TurnTimedOut,
    no_credits_message,
)
from nemo_widgets.client.events import Event, Heartbeat, StreamError, TurnComplete, parse_data
from nemo_widgets.client.multipart import MultipartBody
from nemo_widgets.protocol.names import APP_NAME, CHAT_PING_SECONDS, SONG_OPTIONS_KEY, TURN_LIMIT_SECONDS, Dialect
from nemo_widgets.protocol.options import SongOptions

_LOG = logging.getLogger(__name__)
_LOG.addHandler(logging.NullHandler())

TURN_CAP = float(TURN_LIMIT_SECONDS)  # the protocol's longest chat turn
READ_TIMEOUT = 330.0  # longer than any silence between events (cloud generations run up to 300 s)
IDLE_TICK = 10.0  # a Heartbeat is yielded after this much silence so callers can say "Still working..."
RETRY_AFTER_429 = 30.0
Notify = Callable[[str], None]
Sleep = Callable[[float], Awaitable[None]]
Relocate = Callable[[], Awaitable[str]]  # the backend's base URL now (an embedded backend that died is started again)


@dataclass(frozen=True)
class Credits:
    """A balance; `prices` (credits by request kind, e.g. "generate_song") when the backend publishes them (the
    embedded one does, the cloud does not)."""

    available: float
    frozen: float
    total: float
    prices: dict[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    file_type: str
    url: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class RenderStatus:
    """A render job in any of the protocol's status shapes."""

    id: str
    status: str
    progress: float = 0.0
    url: str | None = None
    error: str | None = None
    queue_position: int | None = None
    duration: float | None = None
    size: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")

    @classmethod
    def from_data(cls, data: dict[str, Any], fallback_id: str = "") -> RenderStatus:
        output = data.get("output") if isinstance(data.get("output"), dict) else {}
        url = output.get("url") or data.get("outputUrl") or data.get("output_url") or data.get("url")
        progress = float(data.get("progress") or 0)
        error = data.get("error") or data.get("errorMessage")
        return cls(id=str(data.get("id") or data.get("render_id") or data.get("renderId") or fallback_id),
                   status=str(data.get("status") or "pending").lower(),
                   progress=progress / 100 if progress > 1 else progress,
                   url=str(url) if url else None,
                   error=str(error.get("message", error)) if isinstance(error, dict) else (str(error) if error else None),
                   queue_position=data.get("queue_position"),
                   duration=output.get("duration") or data.get("duration"),
                   size=output.get("size") or data.get("size"))


class NemoClient:
    """The protocol for one session on one backend; `kind` is "embedded", "cloud" or "server"."""

    def __init__(self, base_url: str, identity: Identity, *, token: str | None = None, backend_key: str | None = None,
                 register_url: str | None = REGISTER_URL, notify: Notify | None = None, sleep: Sleep = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None, kind: str = "server",
                 relocate: Relocate | None = None, dialect: Dialect | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._dialect = dialect
        self._relocate = relocate
        self._closed = False
        self.kind = kind
        self.identity = identity
        self.anonymous = token is None
        self.register_url = register_url
        self.session_id: str | None = None
        self.project_id: str | None = None  # the gateway's project around the session
        self.ping_every = float(CHAT_PING_SECONDS)  # seconds between pings on the gateway's chat socket
        self.user_id: str | None = None
        self._token = token
        self.backend_key = backend_key or self.base_url  # names this backend in the token cache and render log
        self.notify: Notify = notify or (lambda message: _LOG.info("%s", message))
        self._sleep = sleep
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, follow_redirects=True,
                                       timeout=httpx.Timeout(60.0, read=READ_TIMEOUT))

    async def __aenter__(self) -> NemoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        await self._http.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise SessionClosed()

    # identity -----------------------------------------------------------------------------------------------

    async def token(self) -> str:
        if self._token:
            return self._token
        if cached := self._cached_token():
            return cached
        lock = self.identity.fetch_lock()
        acquiring = asyncio.ensure_future(asyncio.to_thread(lock.acquire))
        try:
            await asyncio.shield(acquiring)
        except asyncio.CancelledError:  # the thread still takes the lock: give it back as soon as it has it
            acquiring.add_done_callback(lambda done: done.cancelled() or done.exception() or lock.release())
            raise
        try:  # another client of this installation may have fetched one while this one waited
            return self._cached_token() or await self._fetch_token()
        finally:
            lock.release()

    def _cached_token(self) -> str | None:
        cached = self.identity.cached_token(self.backend_key)
        if cached is None:
            return None
        self._token, self.user_id = cached.token, cached.user_id or self.user_id
        return cached.token

    async def _fetch_token(self) -> str:
        """A new anonymous token; HTTP 400 gets a new client id once, 429 one retry after 30 s."""
        retried_id = retried_limit = False
        while True:
            headers = {"X-Client-Id": self.identity.client_id(), **attribution_headers()}
            response = await self._send("POST", "/api/auth/anonymous-token", headers=headers)
            try:
                data = unwrap(response)
            except (MissingClientId, BadRequest) as error:
                if error.status != 400 or retried_id:
                    raise
                retried_id = True
                self.identity.new_client_id()
                continue
            except RateLimited:
                if retried_limit:
                    raise RateLimited("This installation already received its free anonymous token this week and "
                                      "the backend refuses another: set NEMO_TOKEN to a registered token.",
                                      status=429) from None
                retried_limit = True
                self.notify(f"The backend is busy (rate limit): trying again in {RETRY_AFTER_429:g} s.")
                await self._sleep(RETRY_AFTER_429)
                continue
            token = str(data["token"])
            expires = float(data.get("expires_at") or time.time() + 7 * 86400)
            if expires > 1e12:
                expires /= 1000
            self.user_id = str(data.get("user_id") or "")
            self.identity.save_token(self.backend_key, CachedToken(token, self.user_id, expires))
            self._token = token
            return token

    async def dialect(self) -> Dialect:
        """The dialect this client speaks: configured, else the bootstrap without a key, else what the backend
        answered when it was last probed, else a probe (`POST /auth/verify`, which only a gateway serves)."""
        if self._dialect is None:
            self._dialect = "bootstrap" if self.anonymous else self.identity.cached_dialect(self.backend_key)
        if self._dialect is None:
            self._dialect = await self._probe()
            self.identity.save_dialect(self.backend_key, self._dialect)
        return self._dialect

    @property
    def known_dialect(self) -> Dialect | None:
        """The dialect, if already chosen (no probe from a display)."""
        return self._dialect

    async def _gateway(self) -> bool:
        return await self.dialect() == "gateway"

    async def _probe(self) -> Dialect:
        response = await self._send("POST", gateway.VERIFY, json={"token": await self.token()},
                                    headers=await self._headers())
        if response.status_code in (404, 405):
            return "bootstrap"
        try:
            data = unwrap(response)
        except AuthError:
            raise AuthError("The backend refused your NEMO_TOKEN (bad or expired): set a valid key.",
                            code=1001, status=response.status_code) from None
        self.user_id = str(data.get("user_id") or self.user_id or "")
        return "gateway"

    async def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token()}", "X-Client-Id": self.identity.client_id(),
                **attribution_headers()}

    # the rules ----------------------------------------------------------------------------------------------

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self._check_open()
        may_move = True
        while True:
            try:
                return await self._http.request(method, path, **kwargs)
            except httpx.ConnectError as error:
                if may_move and await self._moved():
                    may_move = False
                    continue
                raise BackendUnavailable(f"Cannot reach the backend at {self.base_url}: {error}.") from error
            except httpx.TransportError as error:
                raise BackendUnavailable(f"Cannot reach the backend at {self.base_url}: {error}.") from error

    async def _moved(self) -> bool:
        """After a refused connection (nothing was sent): whether the backend now answers elsewhere. An embedded
        backend that died (a kernel interrupt, a crash) is started again on a new port; its data, tokens and
        sessions are on disk, so the request is simply sent again."""
        if self._relocate is None:
            return False
        try:
            base_url = (await self._relocate()).rstrip("/")
        except BackendUnavailable:
            return False
        if base_url == self.base_url:
            return False
        self.notify(f"The embedded backend had stopped; it was started again at {base_url}.")
        self.base_url = base_url
        self._http.base_url = httpx.URL(base_url)
        return True

    async def _call(self, method: str, path: str | Callable[[str], str], *, json: Any = None,
                    content: Callable[[], Any] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """One request with every retry rule; `path` is a function of the session id for session routes."""
        rules_used: set[str] = set()
        while True:
            session_path = path(await self.ensure_session()) if callable(path) else path
            body = content() if content is not None else None
            response = await self._send(method, session_path, json=json, content=body,
                                        headers={**await self._headers(), **(headers or {})})
            try:
                return unwrap(response)
            except NemoError as error:
                await self._recover(error, rules_used, session_bound=callable(path))

    async def _recover(self, error: NemoError, rules_used: set[str], session_bound: bool) -> None:
        """Apply the protocol's rule for `error` once, or raise it with its user-facing text."""
        if isinstance(error, AuthError) and "auth" not in rules_used:
            if not self.anonymous:
                raise AuthError("The backend refused your NEMO_TOKEN (bad or expired): set a valid token.",
                                code=error.code, status=error.status) from None
            rules_used.add("auth")
            self.identity.forget_token(self.backend_key)
            self._token = None
            await self._fetch_token()
            return
        if isinstance(error, SessionNotFound) and session_bound and "session" not in rules_used:
            rules_used.add("session")
            self.notify("The session had expired on the backend, so a new one was started.")
            await self.new_session()
            return
        if isinstance(error, RateLimited) and "rate" not in rules_used:
            rules_used.add("rate")
            self.notify(f"The backend is busy (rate limit): trying again in {RETRY_AFTER_429:g} s.")
            await self._sleep(RETRY_AFTER_429)
            return
        if isinstance(error, NoCredits):
            raise self._no_credits(error) from None
        raise error

    def _no_credits(self, error: NemoError) -> NoCredits:
        bind_id = str(error.data.get("bind_id") or self.user_id or "")
        url = f"{self.register_url}?bind={quote(bind_id, safe='')}" \
            if self.anonymous and self.register_url and bind_id and self.kind != "embedded" else None
        needed, available = (error.data.get(k) for k in ("needed", "available"))
        counts = (int(needed), int(available)) if isinstance(needed, int | float) and isinstance(available, int | float) \
            else (None, None)
        return NoCredits(no_credits_message(self.anonymous, url, self.kind, *counts), register_url=url, code=2001,
                         status=error.status, data=error.data)

    # sessions, credits, state -------------------------------------------------------------------------------

    async def ensure_session(self) -> str:
        return self.session_id or await self.new_session()

    async def new_session(self, language: str = "en") -> str:
        if await self._gateway():
            data = await self._call("POST", gateway.PROJECTS, json={"create_session": True})
            session = data.get("session") if isinstance(data.get("session"), dict) else {}
            self.session_id = str(session["session_id"])
            self.project_id = str(data.get("project_id") or session.get("project_id"))
            return self.session_id
        data = await self._call("POST", f"/api/tasks/me/with-session/{APP_NAME}",
                                json={"task_name": "project", "language": language})
        self.session_id = str(data["session_id"])
        self.user_id = str(data.get("user_id") or self.user_id or "")
        return self.session_id

    def use_session(self, session_id: str) -> None:
        if session_id != self.session_id:
            self.project_id = None
        self.session_id = session_id

    async def _project(self) -> str:
        """The gateway project around this session (found by listing the projects after `use_session`); a session
        no project holds is replaced once, as the bootstrap replaces a session it does not know."""
        rules_used: set[str] = set()
        while True:
            session_id = await self.ensure_session()
            if self.project_id is None:
                self.project_id = await self._find_project(session_id)
            if self.project_id is not None:
                return self.project_id
            await self._recover(SessionNotFound("This session no longer exists on the backend.", code=1002),
                                rules_used, session_bound=True)

    async def _find_project(self, session_id: str) -> str | None:
        listing = await self._call("GET", gateway.PROJECTS)
        for project in listing.get("projects") or []:
            project_id = str(project.get("project_id"))
            sessions = await self._call("GET", f"{gateway.PROJECTS}/{quote(project_id, safe='')}/sessions")
            if any(str(s.get("session_id")) == session_id for s in sessions.get("sessions") or []):
                return project_id
        return None

    async def credits(self) -> Credits:
        data = await self._call("GET", gateway.BALANCE if await self._gateway() else "/api/credits/balance/simple")
        available = float(data.get("available") or 0)
        frozen = float(data.get("frozen") or 0)
        total = data.get("total", data.get("total_granted"))
        published = data.get("prices") if isinstance(data.get("prices"), dict) else {}
        prices = {str(k): int(v) for k, v in published.items() if isinstance(v, int) and not isinstance(v, bool)}
        return Credits(available, frozen, float(total if total is not None else available + frozen), prices)

    async def state(self) -> dict[str, Any]:
        if await self._gateway():
            await self._project()
            return gateway.project_state(await self._call("GET", lambda _: gateway.state_path(self.project_id or "")))
        data = await self._call("GET", lambda sid: f"/api/state/{APP_NAME}/me/{sid}/latest")
        state = data.get("state") if isinstance(data.get("state"), dict) else data
        return dict(state)

    # chat turns ---------------------------------------------------------------------------------------------

    async def run_turn(self, message: str, options: SongOptions | None = None) -> AsyncIterator[Event]:
        """The events of one chat turn, plus a Heartbeat every IDLE_TICK seconds of silence; capped at 15 minutes.

        `options` travel as data next to the message (`state_delta.song_options`)."""
        self._check_open()
        queue: asyncio.Queue[Event | Exception | None] = asyncio.Queue()
        reader = asyncio.create_task(self._read_turn(message, options, queue))
        deadline = time.monotonic() + TURN_CAP
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TurnTimedOut("The backend did not finish this request within 15 minutes; it was stopped.")
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=min(IDLE_TICK, left))
                except TimeoutError:
                    yield Heartbeat()
                    continue
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            if not reader.done():
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader

    async def _read_turn(self, message: str, options: SongOptions | None,
                         queue: asyncio.Queue[Event | Exception | None]) -> None:
        """Queue the turn's events in either dialect, then None; an error is queued for the consumer to raise."""
        try:
            read = self._read_socket_turn if await self._gateway() else self._read_sse_turn
            await read(message, options, queue, set())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handed to the consumer, who raises it in its own task
            await queue.put(error)
            return
        await queue.put(None)

    async def _read_sse_turn(self, message: str, options: SongOptions | None,
                             queue: asyncio.Queue[Event | Exception | None], rules_used: set[str]) -> None:
        """A bootstrap turn: `POST /run_sse` and its event stream, with the protocol's rules before the stream opens."""
        while True:
            session_id = await self.ensure_session()
            body = {"app_name": APP_NAME, "user_id": "me", "session_id": session_id,
                    "new_message": {"role": "user", "parts": [{"text": message}]}}
            if options is not None and options.given:
                body["state_delta"] = {SONG_OPTIONS_KEY: options.to_wire()}
            headers = {**await self._headers(), "Accept": "text/event-stream"}
            try:
                async with aconnect_sse(self._http, "POST", "/run_sse", json=body, headers=headers) as source:
                    if not source.response.is_success or "text/event-stream" not in \
                            source.response.headers.get("content-type", ""):
                        await source.response.aread()
                        try:
                            unwrap(source.response)
                        except NemoError as error:
                            await self._recover(error, rules_used, session_bound=True)
                            continue
                        raise BadRequest("The backend did not open an event stream for this message.")
                    async for sse in source.aiter_sse():
                        for event in parse_data(sse.data):
                            await queue.put(event)
                    break
            except httpx.ConnectError as error:
                if "moved" not in rules_used and await self._moved():
                    rules_used.add("moved")
                    continue
                raise BackendUnavailable(f"Cannot reach the backend at {self.base_url}: {error}.") from error
            except httpx.TransportError as error:
                raise BackendUnavailable(f"The connection to {self.base_url} broke during the request: {error}.") \
                    from error

    async def _read_socket_turn(self, message: str, options: SongOptions | None,
                                queue: asyncio.Queue[Event | Exception | None], rules_used: set[str]) -> None:
        """A gateway turn over the chat socket. Before anything arrives the usual rules apply (a new anonymous token,
        a new session, a moved embedded backend); a socket that drops mid-turn is opened again once to show the
        backend is there, and the turn ends so the caller reads its outcome from the session state."""
        started = False
        while True:
            url = gateway.socket_url(self.base_url, await self.token(), await self.ensure_session())
            try:
                async for event in gateway.socket_turn(url, message, options, self._sleep, self.ping_every):
                    if isinstance(event, StreamError) and event.details.get("code") == 2001:
                        raise self._no_credits(NoCredits(event.message, code=2001, data=event.details))
                    if isinstance(event, StreamError) and event.details.get("code") == 1002 and not started:
                        raise SessionNotFound(event.message, code=1002)
                    started = started or not isinstance(event, Heartbeat)
                    await queue.put(event)
                break
            except gateway.SocketDropped:
                self.notify("The chat connection dropped during the turn; it was opened again and the outcome is "
                            "read from the session.")
                await gateway.check_socket(url, self._sleep)
                await queue.put(TurnComplete())
                break
            except BackendUnavailable:
                if started or "moved" in rules_used or not await self._moved():
                    raise
                rules_used.add("moved")
            except (AuthError, SessionNotFound) as error:
                if started:
                    raise
                await self._recover(error, rules_used, session_bound=True)

    # uploads ------------------------------------------------------------------------------------------------

    async def upload_files(self, paths: Sequence[Path | str],
                           progress: Callable[[int, int], None] | None = None) -> list[UploadedFile]:
        """Multipart upload of local files; `progress(sent, total)` as bytes go out."""
        files = [Path(p).expanduser() for p in paths]
        for path in files:
            if not path.is_file():
                raise BadRequest(f"{path} is not a file that can be read.")
        if await self._gateway():
            return await self._upload_each(files, progress)
        multipart = MultipartBody("files", files, progress)
        data = await self._call("POST", _upload_path, content=multipart.stream,
                                headers={"Content-Type": multipart.content_type,
                                         "Content-Length": str(multipart.length)})
        return [_uploaded(f) for f in data.get("files") or []]

    async def _upload_each(self, files: list[Path],
                           progress: Callable[[int, int], None] | None) -> list[UploadedFile]:
        """The gateway takes one file per request, as field `file` next to the session id."""
        session_id = await self.ensure_session()
        total = sum(path.stat().st_size for path in files)
        done = 0
        uploaded: list[UploadedFile] = []
        for path in files:
            def step(sent: int, length: int, before: int = done) -> None:
                if progress:
                    progress(min(total, before + sent), total)

            multipart = MultipartBody("file", [path], step, fields={"session_id": session_id})
            data = await self._call("POST", gateway.UPLOAD, content=multipart.stream,
                                    headers={"Content-Type": multipart.content_type,
                                             "Content-Length": str(multipart.length)})
            answered = data.get("files") or [data.get("file") if isinstance(data.get("file"), dict) else data]
            uploaded.extend(_uploaded(f) for f in answered)
            done += path.stat().st_size
        return uploaded

    async def upload_urls(self, urls: Sequence[str]) -> list[UploadedFile]:
        if await self._gateway():
            raise BadRequest("The gateway takes files, not links: download the file and upload it from disk.")
        data = await self._call("POST", _upload_path,
                                json={"urls": list(urls), "source_type": "url"})
        return [_uploaded(f) for f in data.get("files") or []]

    # export -------------------------------------------------------------------------------------------------

    async def create_render(self, draft: dict[str, Any], output: dict[str, Any] | None = None) -> RenderStatus:
        """Queue an export; a duplicate id gets a fresh id and one retry."""
        session_id = await self.ensure_session()
        for _ in range(2):
            render_id = f"render_{int(time.time() * 1000)}_{uuid.uuid4().hex[:4]}"
            body = {"id": render_id, "sessionId": session_id, "draft": draft,
                    "output": output or {"format": "mp4", "quality": "high"}}
            try:
                data = await self._call("POST", await self._renders(), json=body)
            except BadRequest as error:
                if error.status == 409 or "exist" in str(error).lower() or "duplicate" in str(error).lower():
                    continue
                raise
            return RenderStatus.from_data(data, render_id)
        raise BadRequest("The backend refused two fresh render ids as duplicates.")

    async def _renders(self) -> str:
        return gateway.RENDERS if await self._gateway() else "/api/render/proxy/lambda"

    async def render_status(self, render_id: str) -> RenderStatus:
        return RenderStatus.from_data(await self._call("GET", f"{await self._renders()}/{render_id}"), render_id)

    async def cancel_render(self, render_id: str) -> RenderStatus:
        if await self._gateway():
            raise BadRequest("The gateway cannot cancel an export: it finishes on the backend, and "
                             "`resume()` can still fetch it.")
        return RenderStatus.from_data(await self._call("POST", f"/api/render/proxy/lambda/{render_id}/cancel"),
                                      render_id)

    async def download(self, status: RenderStatus, target: Path,
                       progress: Callable[[int, int], None] | None = None) -> Path:
        """Save a completed render to `target` (through a temporary file, so no partial video is left)."""
        self._check_open()
        signed = await self._gateway()  # the gateway's output links are signed: no key goes with them
        if status.url:
            url = status.url
        elif signed:
            found = await self._call("GET", gateway.download_path(await self._project()))
            url = str(RenderStatus.from_data(found, status.id).url or "")
            if not url:
                raise RenderFailed("The backend has no finished export for this project to download.")
        else:
            url = f"{self.base_url}/api/render/proxy/{status.id}/download"
        same_origin = httpx.URL(url).host == httpx.URL(self.base_url).host or not httpx.URL(url).is_absolute_url
        headers = await self._headers() if same_origin and not signed else {}
        target = Path(target).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.part")
        try:
            async with self._http.stream("GET", url, headers=headers, timeout=httpx.Timeout(60.0, read=120.0)) as reply:
                if not reply.is_success:
                    await reply.aread()
                    unwrap(reply)
                total = int(reply.headers.get("content-length") or status.size or 0)
                done = 0
                with temp.open("wb") as handle:
                    async for chunk in reply.aiter_bytes(1 << 20):
                        handle.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            if total and done != total:
                raise BackendUnavailable(f"The download stopped after {done} of {total} bytes; try again.")
            temp.replace(target)
        except httpx.TransportError as error:
            raise BackendUnavailable(f"The download from {url} failed: {error}.") from error
        finally:
            temp.unlink(missing_ok=True)
        return target


def _upload_path(session_id: str) -> str:
    return f"/api/upload-video/{APP_NAME}/me/{session_id}"


def _uploaded(raw: dict[str, Any]) -> UploadedFile:
    return UploadedFile(filename=str(raw.get("filename", "")), file_type=str(raw.get("file_type", "")),
                        url=str(raw.get("cdn_url") or raw.get("url") or ""), duration=raw.get("duration"),
                        width=raw.get("width"), height=raw.get("height"), fps=raw.get("fps"),
                        id=str(raw.get("id") or raw.get("hash") or ""), raw=raw)

