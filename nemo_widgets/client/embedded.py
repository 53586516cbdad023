"""The embedded backend as a child process: one per Python process, on a free loopback port.

Songs are made in that process, so the kernel stays responsive; it is stopped at exit and
also stops by itself if this process dies (`--exit-with-parent`). It runs in its own session
(process group): Jupyter interrupts a kernel by signalling the kernel's whole process group,
and an interrupt is meant for the cell, not for the backend. If it dies anyway, the next call
starts a new one (`NemoClient`'s `relocate`).
"""

from __future__ import annotations

import atexit
import os
import re
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from nemo_widgets.client.errors import BackendUnavailable

START_TIMEOUT = 60.0
_READY = re.compile(r"Serving the Nemo protocol on (http://\S+) \(data in (.+)\)")


@dataclass
class EmbeddedBackend:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[str]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_lock = threading.Lock()
_current: EmbeddedBackend | None = None


def embedded_backend(data_dir: Path | None = None, workers: int | None = None) -> EmbeddedBackend:
    """The running embedded backend, started on first use (blocking: call it off the event loop)."""
    global _current
    with _lock:
        if _current is not None and _current.running:
            return _current
        _current = _start(data_dir, workers)
        atexit.register(_current.stop)
        return _current


def stop_embedded_backend() -> None:
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None


def _start(data_dir: Path | None, workers: int | None) -> EmbeddedBackend:
    command = [sys.executable, "-m", "nemo_widgets.cli", "serve", "--host", "127.0.0.1", "--port", "0",
               "--exit-with-parent"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, bufsize=1, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               start_new_session=True)
    lines: deque[str] = deque(maxlen=40)
    ready = threading.Event()
    found: list[re.Match[str]] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            match = _READY.search(line)
            if match and not found:
                found.append(match)
                ready.set()
        ready.set()

    threading.Thread(target=read, name="nemo-embedded-output", daemon=True).start()
    if not ready.wait(START_TIMEOUT) or not found:
        process.kill()
        tail = "\n".join(list(lines)[-10:]) or "(no output)"
        raise BackendUnavailable(f"The embedded backend did not start:\n{tail}")
    return EmbeddedBackend(found[0][1], Path(found[0][2]), process)
