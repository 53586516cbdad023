"""Choosing the backend: the cloud or a configured URL when given, else the embedded one on loopback."""

from __future__ import annotations

import asyncio

from nemo_widgets.client.api import NemoClient, Notify
from nemo_widgets.client.config import CLOUD_BASES, Identity, Settings
from nemo_widgets.client.embedded import embedded_backend

_announced: set[str] = set()


async def open_client(settings: Settings | None = None, *, announce: Notify = print) -> NemoClient:
    """A client for the configured backend; which one is used is announced once per process."""
    settings = settings or Settings.from_env()
    if settings.embedded:
        backend = await asyncio.to_thread(embedded_backend)
        base_url, backend_key, kind = backend.base_url, f"embedded:{backend.data_dir}", "embedded"
        label = f"the embedded backend at {base_url} (songs are made on this machine, data in {backend.data_dir})"
    else:
        assert settings.base_url is not None
        base_url, backend_key = settings.base_url, settings.base_url
        kind = "cloud" if base_url in CLOUD_BASES else "server"
        label = "the Nemo cloud" if base_url in CLOUD_BASES else f"the backend at {base_url}"
    if label not in _announced:
        _announced.add(label)
        announce(f"nemo_widgets: using {label}.")
    relocate = _embedded_url if settings.embedded else None
    return NemoClient(base_url, Identity(settings.folder), token=settings.token, backend_key=backend_key, kind=kind,
                      relocate=relocate, dialect=settings.dialect)


async def _embedded_url() -> str:
    return (await asyncio.to_thread(embedded_backend)).base_url


def describe_backend(client: NemoClient) -> str:
    """One line for `%nemo backend` and status displays."""
    who = "anonymous token" if client.anonymous else "NEMO_TOKEN"
    dialect = f"{client.known_dialect} dialect, " if client.known_dialect else ""
    return f"{client.kind} backend {client.base_url} ({who}, {dialect}session {client.session_id or 'not started'})"
