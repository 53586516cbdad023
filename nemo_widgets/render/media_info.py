"""What a media file really is, decided by decoding it, never by its name."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from nemo_widgets.render.ffmpeg import ffmpeg_exe

IMAGE_CODECS = ("png", "mjpeg", "webp", "gif", "bmp", "tiff")
CONTAINERS = {  # ffmpeg's demuxer names -> the formats the product accepts
    "mov": "mov", "mp4": "mp4", "avi": "avi", "matroska": "mkv", "webm": "webm", "mp3": "mp3", "wav": "wav",
    "aac": "aac", "png_pipe": "png", "jpeg_pipe": "jpg", "webp_pipe": "webp", "gif": "gif", "image2": "jpg",
}
SUPPORTED = "MP4, MOV, AVI, WebM, MKV, JPG, PNG, GIF, WebP, MP3, WAV, M4A, AAC"


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "video", "image" or "audio"
    container: str
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None


def media_info(path: Path) -> MediaInfo | None:
    """None when ffmpeg cannot read the file as one of the supported kinds of media."""
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True,
                           check=False, timeout=60)
    text = probe.stderr
    container = re.search(r"Input #0, ([\w,]+), from", text)
    if not container:
        return None
    names = container[1].split(",")
    accepted = next((CONTAINERS[n] for n in names if n in CONTAINERS), None)
    if accepted is None:
        return None
    video = re.search(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})", text)
    if accepted == "mov" and not re.search(r"major_brand\s*:\s*qt", text):
        accepted = "mp4" if video else "m4a"  # the ISO family: QuickTime files say brand "qt"
    audio = "Audio:" in text
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    seconds = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3]) if duration else None
    fps = re.search(r"([\d.]+) fps", text)
    if video:
        kind = "image" if video[1] in IMAGE_CODECS and (seconds is None or seconds < 0.1 or video[1] != "gif") else "video"
        return MediaInfo(kind, accepted, seconds if kind == "video" else None, int(video[2]), int(video[3]),
                         float(fps[1]) if fps and kind == "video" else None)
    if audio and seconds:
        return MediaInfo("audio", accepted, seconds, None, None, None)
    return None


def has_stream(path: Path, kind: str) -> bool:
    """True when ffmpeg can decode a stream of `kind` ("audio" or "video") from the file."""
    selector = {"audio": "0:a:0", "video": "0:v:0"}[kind]
    result = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", selector, "-t", "0.05", "-f", "null", "-"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    return result.returncode == 0
