from collections.abc import Iterator
from pathlib import Path

import pytest

from nemo_widgets.backend.app import create_app
from nemo_widgets.backend.server import RunningServer, start_in_thread
from nemo_widgets.backend.store import Store
from nemo_widgets.client.api import NemoClient
from nemo_widgets.client.config import Identity
from nemo_widgets.protocol.names import DIALECTS
from tests.client.variant_server import Script, create_variant_app


class Sleeps(list):
    """An injected sleep that records how long the client wanted to wait, without waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture()
def backend(tmp_path: Path) -> Iterator[RunningServer]:
    """The real embedded backend's app over real HTTP on a free loopback port."""
    store = Store(tmp_path / "data")
    server = start_in_thread(create_app(store, tmp_path / "data", workers=1))
    yield server
    server.stop()
    store.close()


@pytest.fixture()
def variant(tmp_path: Path) -> Iterator[tuple[RunningServer, Script]]:
    script = Script()
    server = start_in_thread(create_variant_app(script))
    yield server, script
    server.stop()


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs once per dialect the client speaks to the embedded backend."""
    return request.param


@pytest.fixture()
def identity(tmp_path: Path) -> Identity:
    return Identity(tmp_path / "config")


@pytest.fixture()
def sleeps() -> Sleeps:
    return Sleeps()


def client_for(server: RunningServer, identity: Identity, **kwargs) -> NemoClient:
    return NemoClient(server.base_url, identity, **kwargs)
