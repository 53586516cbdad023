"""What a media file really is, decided by decoding it, never by its name.

Files come from users, so ffmpeg reads them with its guards up: only the `file` protocol
(a playlist cannot make it fetch URLs), only the demuxers of the accepted containers (no
HLS or concat playlists naming other files) and no picture decoded above MAX_IMAGE_PIXELS
(a crafted header cannot make it allocate gigabytes).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from nemo_widgets.protocol.names import MAX_IMAGE_PIXELS
from nemo_widgets.render.ffmpeg import ffmpeg_exe

IMAGE_CODECS = ("png", "mjpeg", "webp", "gif", "bmp", "tiff")
CONTAINERS = {  # ffmpeg's demuxer names -> the formats the product accepts
    "mov": "mov", "mp4": "mp4", "avi": "avi", "matroska": "mkv", "webm": "webm", "mp3": "mp3", "wav": "wav",
    "aac": "aac", "png_pipe": "png", "jpeg_pipe": "jpg", "webp_pipe": "webp", "gif": "gif", "image2": "jpg",
}
UNTRUSTED_INPUT = ("-protocol_whitelist", "file", "-format_whitelist", ",".join(CONTAINERS),
                   "-max_pixels", str(MAX_IMAGE_PIXELS))  # put before `-i` of any file a user sent
PROBE_SECONDS = 60


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "video", "image" or "audio"
    container: str
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None


def _ffmpeg_input(path: Path) -> list[str]:
    """The guarded input arguments for `path`; `file:` keeps a colon in the path from naming a protocol."""
    return [*UNTRUSTED_INPUT, "-i", f"file:{path.resolve()}"]


def media_info(path: Path) -> MediaInfo | None:
    """None when ffmpeg cannot read the file (in time) as one of the supported kinds of media.

    A picture too large to decode still reports its size, so the caller can say why it is refused.
    """
    try:
        probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *_ffmpeg_input(path)], capture_output=True,
                               text=True, check=False, timeout=PROBE_SECONDS)
    except subprocess.TimeoutExpired:
        return None
    text = probe.stderr
    container = re.search(r"Input #0, ([\w,]+), from", text)
    if not container:
        return None
    names = container[1].split(",")
    accepted = next((CONTAINERS[n] for n in names if n in CONTAINERS), None)
    if accepted is None:
        return None
    streams = re.finditer(r"Stream #\S+.*?: Video: (\w+)(.*)", text)
    video = next((m for m in streams if "(attached pic)" not in m[2]), None)  # cover art is not a video
    if accepted == "mov" and not re.search(r"major_brand\s*:\s*qt", text):
        accepted = "mp4" if video else "m4a"  # the ISO family: QuickTime files say brand "qt"
    audio = "Audio:" in text
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    seconds = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3]) if duration else None
    fps = re.search(r"([\d.]+) fps", text)
    size = video and (re.search(r", (\d+)x(\d+)\b", video[2]) or re.search(r"Picture size (\d+)x(\d+) exceeds", text))
    if video and size:
        kind = "image" if video[1] in IMAGE_CODECS and (seconds is None or seconds < 0.1 or video[1] != "gif") else "video"
        return MediaInfo(kind, accepted, seconds if kind == "video" else None, int(size[1]), int(size[2]),
                         float(fps[1]) if fps and kind == "video" else None)
    if audio and seconds:
        return MediaInfo("audio", accepted, seconds, None, None, None)
    return None


def has_stream(path: Path, kind: str) -> bool:
    """True when ffmpeg can decode a stream of `kind` ("audio" or "video") from the file."""
    selector = {"audio": "0:a:0", "video": "0:v:0"}[kind]
    try:
        result = subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-nostdin", *_ffmpeg_input(path), "-map", selector, "-t", "0.05",
             "-f", "null", "-"],
            capture_output=True, text=True, check=False, timeout=PROBE_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0
