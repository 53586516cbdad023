from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from nemo_widgets.backend.app import create_app
from nemo_widgets.backend.server import start_in_thread
from nemo_widgets.backend.store import Store


@contextmanager
def serving(data: Path, workers: int = 1, allow_private_urls: bool = False) -> Iterator[tuple[httpx.Client, Store]]:
    """The real backend on a free loopback port over `data`, and an HTTP client for it."""
    store = Store(data)
    server = start_in_thread(create_app(store, data, workers=workers, allow_private_urls=allow_private_urls))
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            yield client, store
    finally:
        server.stop()
        store.close()
