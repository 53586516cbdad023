"""Measures of a sung stem as a listener hears it: where the voice sounds and is voiced, and impulsive clicks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyworld
from scipy.ndimage import median_filter
from scipy.signal import resample_poly

RATE = 16_000
FRAME = 0.005
QUIET_DB = 30.0  # "sounding" = within this many dB of the stem's loud frames (its 90th percentile)
CLICK_RATIO = 20.0  # a 10 ms frame whose largest sample step is this many times the local median step...
CLICK_FLOOR_DB = -35.0  # ...and not far below the stem's largest steps


@dataclass(frozen=True)
class VoiceTrack:
    times: np.ndarray  # seconds, one per FRAME
    voiced: np.ndarray  # f0 found and sounding
    sounding: np.ndarray


def voice_track(audio: np.ndarray, sample_rate: int) -> VoiceTrack:
    """Per 5 ms frame: is the voice sounding, and voiced (harvest finds a pitch there)."""
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    x = resample_poly(mono.astype(np.float64), RATE // 100, sample_rate // 100)
    f0, times = pyworld.harvest(x, RATE, f0_floor=70.0, f0_ceil=900.0, frame_period=FRAME * 1000)
    hop = int(FRAME * RATE)
    padded = np.concatenate([np.zeros(hop), x, np.zeros(hop * 2)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, 2 * hop)[::hop][: len(times)]
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-18)
    loud = np.percentile(level[level > level.max() - 50], 90)
    sounding = level > loud - QUIET_DB
    return VoiceTrack(times, sounding & (f0 > 0), sounding)


def voiced_share(track: VoiceTrack, start: float, end: float) -> float:
    inside = (track.times >= start) & (track.times < end)
    return float(track.voiced[inside].mean()) if inside.any() else 0.0


def sound_end(track: VoiceTrack, start: float, stop: float) -> float:
    """The end of the last sounding frame between `start` and `stop` (seconds)."""
    inside = np.nonzero((track.times >= start) & (track.times < stop) & track.sounding)[0]
    return float(track.times[inside[-1]] + FRAME) if len(inside) else start


def click_frames(audio: np.ndarray, sample_rate: int) -> int:
    """10 ms frames holding an impulsive click: one sample step far above the steps around it."""
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    steps = np.abs(np.diff(mono.astype(np.float64)))
    size = int(0.01 * sample_rate)
    frames = steps[: len(steps) // size * size].reshape(-1, size)
    local = median_filter(np.median(frames, axis=1), size=5, mode="nearest")
    peak = frames.max(axis=1)
    floor = np.percentile(peak[peak > 0], 99) * 10 ** (CLICK_FLOOR_DB / 20)
    return int(np.sum((peak > CLICK_RATIO * local) & (peak > floor)))
