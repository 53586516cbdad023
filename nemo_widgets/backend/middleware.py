"""The two guards around every route: the Host name check (no DNS rebinding: a web page whose name points at
127.0.0.1 must not drive the API) and the last-resort handler that answers any unexpected error in the envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nemo_widgets.backend.errors import ApiError, bad_request, error_response

_LOG = logging.getLogger(__name__)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def allowed_host_names(bound_host: str) -> frozenset[str] | None:
    """The Host names a server bound to `bound_host` answers to: the loopback names and that host; None (any name)
    when it listens on every interface, since then its names are not known here."""
    if bound_host in WILDCARD_HOSTS:
        return None
    return frozenset({*LOOPBACK_NAMES, host_name(bound_host)})


def host_name(header: str) -> str:
    """The name in a Host header, without port, brackets, case or a final dot: "[::1]:80" -> "::1"."""
    value = header.strip().lower()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    return value.removesuffix(".")


class TrustedHosts:
    """Refuse (400, in the envelope) requests whose Host is not one of `allowed`, and WebSocket handshakes (the
    gateway's chat) with 403; None lets every name through."""

    def __init__(self, app: ASGIApp, allowed: Collection[str] | None) -> None:
        self.app = app
        self.allowed = None if allowed is None else frozenset(host_name(name) for name in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.allowed is not None:
            name = host_name(Headers(scope=scope).get("host", ""))
            if name not in self.allowed and scope["type"] == "websocket":
                await receive()  # the handshake's connect event; closing before accepting answers it with 403
                await send({"type": "websocket.close", "code": 1008, "reason": "host not allowed"})
                return
            if name not in self.allowed:
                names = ", ".join(sorted(self.allowed))
                refused = ApiError(400, f"This server only answers to the host names {names}, not {name[:100]!r}: "
                                   "open it by one of those (or start it with a wider --host on purpose).", 400)
                await error_response(refused)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class CatchAll:
    """Any exception a route did not expect is logged and answered as code 500 in the envelope, so the client gets
    a clear message and the connection stays usable (a started stream can only be cut). Input nested so deeply that
    reading it overflows the stack (a draft sent as a JSON string, say) is the client's error: 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except RecursionError:
            _LOG.warning("Input nested too deeply in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(bad_request("The request nests too deeply to be read: flatten it."))(scope, receive, send)
        except Exception:
            _LOG.exception("Unexpected error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            failure = ApiError(500, "The server hit an unexpected error (it is logged): try again, and report it if "
                               "it happens again.", 500)
            await error_response(failure)(scope, receive, send)
