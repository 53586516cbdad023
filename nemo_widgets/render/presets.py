"""Output shapes and encoder settings a creator picks from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    width: int
    height: int


@dataclass(frozen=True)
class Encoding:
    preset: str  # libx264 speed preset
    crf: int
    fps: int


FRAMES: dict[str, Frame] = {"16:9": Frame(1920, 1080), "9:16": Frame(1080, 1920), "1:1": Frame(1080, 1080)}
ENCODINGS: dict[str, Encoding] = {
    "draft": Encoding("ultrafast", 28, 24),
    "standard": Encoding("superfast", 23, 24),
    "high": Encoding("veryfast", 20, 30),
}
AUDIO_BITRATE = "192k"


def frame_for(aspect: str) -> Frame:
    if aspect not in FRAMES:
        raise ValueError(f"Unknown aspect ratio {aspect!r}: use one of {', '.join(FRAMES)}.")
    return FRAMES[aspect]


def encoding_for(quality: str) -> Encoding:
    if quality not in ENCODINGS:
        raise ValueError(f"Unknown quality {quality!r}: use one of {', '.join(ENCODINGS)}.")
    return ENCODINGS[quality]
