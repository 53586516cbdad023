"""Run the ffmpeg shipped by imageio-ffmpeg with progress, cancellation and all-or-nothing output."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg


class RenderError(RuntimeError):
    """ffmpeg failed; the message carries the last lines it printed."""


class RenderCancelled(RuntimeError):
    """The render was cancelled; no output file was left behind."""


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: list[str],
    output: Path,
    duration: float,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> None:
    """Encode into a temporary file beside `output` and rename it into place when ffmpeg succeeds."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1", "-nostats",
               *args, str(partial)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
    reader.start()
    try:
        for line in process.stdout:
            if cancel is not None and cancel.is_set():
                process.kill()
                break
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and progress and value.isdigit() and duration > 0:
                progress(min(1.0, int(value) / 1e6 / duration))
        process.wait()
        reader.join(timeout=5)
        if cancel is not None and cancel.is_set():
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
