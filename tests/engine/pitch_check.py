"""Measure how far a sung stem is from its score, in cents, over voiced frames inside each note."""

from __future__ import annotations

import numpy as np
import pyworld

from nemo_widgets.engine.model import Arrangement

FRAME_MS = 5.0
GLIDE_SKIP = 0.06  # seconds at a note's start left to the glide from the previous note
RELEASE_SKIP = 0.03


def pitch_errors_cents(vocals: np.ndarray, sample_rate: int, arr: Arrangement, syllable_ends: list[float]) -> np.ndarray:
    """Absolute errors of every voiced frame against its note (`syllable_ends` from timing.json)."""
    mono = vocals.mean(axis=1) if vocals.ndim == 2 else vocals
    f0, times = pyworld.harvest(mono.astype(np.float64), sample_rate, f0_floor=70.0, f0_ceil=900.0, frame_period=FRAME_MS)
    errors = []
    for note, end in zip(arr.notes, syllable_ends):
        start = arr.seconds(note.start) + GLIDE_SKIP
        stop = min(end, arr.seconds(note.start + note.duration)) - RELEASE_SKIP
        frames = (times >= start) & (times < stop) & (f0 > 0)
        target = 440.0 * 2 ** ((note.midi - 69) / 12)
        errors.extend(np.abs(1200 * np.log2(f0[frames] / target)))
    return np.asarray(errors)
