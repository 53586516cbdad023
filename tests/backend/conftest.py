import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from nemo_widgets.backend.app import create_app
from nemo_widgets.backend.server import start_in_thread
from nemo_widgets.backend.store import Store
from nemo_widgets.render.ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[2]
FINISHED = frozenset({"completed", "failed"})


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


def serve_process(data: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """`nemo-song serve` as a real process of this checkout on a free port over `data`, and its base URL."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen([sys.executable, "-m", "nemo_widgets.cli", "serve", "--port", "0", "--data-dir", str(data),
                                *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    assert line.startswith("Serving the Nemo protocol on http://127.0.0.1:"), (line, process.stderr.read())
    return process, line.split()[5]


def poll_render(client: httpx.Client, headers: dict[str, str], render_id: str, statuses: frozenset[str] = FINISHED,
                timeout: float = 120) -> dict:
    """The render's status answer once it reaches one of `statuses`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/render/proxy/lambda/{render_id}", headers=headers).json()
        if body["status"] in statuses:
            return body
        time.sleep(0.1)
    raise AssertionError(f"render {render_id} never reached {set(statuses)}: {body}")


def lavfi(path: Path, source: str, *options: str) -> Path:
    """A media file made by ffmpeg from a lavfi `source` (testsrc, sine, color...)."""
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", source, *options, str(path)], check=True)
    return path
