"""Is a file really media? Decided by decoding it, not by its name."""

from __future__ import annotations

import subprocess
from pathlib import Path

from nemo_widgets.render.ffmpeg import ffmpeg_exe


def has_stream(path: Path, kind: str) -> bool:
    """True when ffmpeg can decode a stream of `kind` ("audio" or "video") from the file."""
    selector = {"audio": "0:a:0", "video": "0:v:0"}[kind]
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", selector, "-t", "0.05", "-f", "null", "-"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    return result.returncode == 0
