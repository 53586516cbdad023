"""Run the ffmpeg shipped by imageio-ffmpeg with progress, cancellation, a deadline and all-or-nothing output.

ffmpeg runs in its own session (process group), and on Linux it is killed when the thread
that started it dies (PR_SET_PDEATHSIG), so a server killed mid-render leaves no ffmpeg writing
files. Until it succeeds it writes `.<name>.partial<ext>` beside the output (a name the backend
cleans up at start after a crash), then renames it into place.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg

WATCH_INTERVAL = 0.2  # seconds between checks for cancellation and the deadline
_PR_SET_PDEATHSIG = 1


class RenderError(RuntimeError):
    """ffmpeg failed; the message carries the last lines it printed."""


class RenderCancelled(RuntimeError):
    """The render was cancelled; no output file was left behind."""


class RenderTimedOut(RenderError):
    """The render ran past its deadline and was stopped; no output file was left behind."""


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def media_input(path: str | Path) -> list[str]:
    """ffmpeg's arguments to read one untrusted media file: only the file itself may be opened,
    never a URL or another protocol a crafted file (a playlist, a reference) points at."""
    return ["-protocol_whitelist", "file", "-i", str(path)]


def partial_path(output: Path) -> Path:
    return output.with_name(f".{output.stem}.partial{output.suffix}")


def run_ffmpeg(
    args: list[str],
    output: Path,
    duration: float,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    deadline: float | None = None,
) -> None:
    """Encode into a temporary file beside `output` and rename it into place when ffmpeg succeeds.

    `deadline` is in seconds from the start: past it ffmpeg is killed and RenderTimedOut raised.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(output)
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1", "-nostats",
               *args, str(partial)]
    cancel = cancel or threading.Event()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=os.name == "posix", preexec_fn=_dies_with_parent())
    errors: list[str] = []
    timed_out = threading.Event()
    reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
    watcher = threading.Thread(target=_watch, args=(process, cancel, deadline, timed_out), daemon=True)
    reader.start()
    watcher.start()
    try:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and progress and value.isdigit() and duration > 0 and not cancel.is_set():
                progress(min(1.0, int(value) / 1e6 / duration))
        process.wait()
        reader.join(timeout=5)
        if timed_out.is_set():
            raise RenderTimedOut(f"it took longer than {deadline:.0f} s and was stopped")
        if cancel.is_set():
            raise RenderCancelled("The render was cancelled.")
        if process.returncode != 0:
            tail = "".join(errors[-5:]).strip() or f"exit status {process.returncode}"
            raise RenderError(f"ffmpeg could not render the video: {tail}")
        os.replace(partial, output)
        if progress:
            progress(1.0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        partial.unlink(missing_ok=True)


def _watch(process: subprocess.Popen, cancel: threading.Event, deadline: float | None, timed_out: threading.Event) -> None:
    """Kill ffmpeg as soon as the render is cancelled or passes its deadline."""
    stop_at = None if deadline is None else time.monotonic() + deadline
    while process.poll() is None:
        if cancel.wait(WATCH_INTERVAL):
            process.kill()
            return
        if stop_at is not None and time.monotonic() >= stop_at:
            timed_out.set()
            process.kill()
            return


def _dies_with_parent() -> Callable[[], None] | None:
    """On Linux, a function run in the child before exec: SIGKILL it when its parent goes away."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGKILL)

    return set_parent_death_signal
