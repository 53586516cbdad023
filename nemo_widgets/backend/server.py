"""Serving the backend with uvicorn on a background thread (random free loopback port by default), for
`nemo-song serve` and for tests and tools that embed it. The app's lifespan runs, so stopping the server
stops its jobs and closes its store; open requests get GRACE seconds before they are cut."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

GRACE = 1.0  # seconds open requests (a song's event stream) may take to finish once the server stops


@dataclass
class RunningServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Stop serving, cut open requests after GRACE seconds, run the app's shutdown (jobs stop, store closes)."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(app: Starlette, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0) -> RunningServer:
    """Start serving and return once the socket accepts connections."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=GRACE))
    thread = threading.Thread(target=server.run, name="nemo-backend", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"The backend did not start on {host}:{port}.")
        time.sleep(0.02)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return RunningServer(f"http://{host}:{bound_port}", server, thread)
