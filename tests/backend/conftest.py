from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets.backend.app import create_app
from nemo_widgets.backend.server import start_in_thread
from nemo_widgets.backend.store import Store


@contextmanager
def serving(data: Path, workers: int = 1, allow_private_urls: bool = False,
            **options: Any) -> Iterator[tuple[httpx.Client, Store]]:
    """The real backend on a free loopback port over `data`, and an HTTP client for it; `options` go to create_app
    (clock, allowed_hosts, local_networks, tokens_per_address_hour)."""
    store = Store(data)
    server = start_in_thread(create_app(store, data, workers=workers, allow_private_urls=allow_private_urls, **options))
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            yield client, store
    finally:
        server.stop()
        store.close()
