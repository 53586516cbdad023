"""The sung pitch curve: each note's pitch, short glides between notes, gentle vibrato on long notes."""

from __future__ import annotations

import numpy as np

from nemo_widgets.engine.voices.timing import NoteTime

GLIDE_BEFORE = 0.05  # seconds of glide before the vowel starts...
GLIDE_AFTER = 0.035  # ...and after
VIBRATO_HZ = 5.5
VIBRATO_CENTS = 18.0
VIBRATO_DELAY = 0.3  # seconds into a note before vibrato starts
VIBRATO_RAMP = 0.2
VIBRATO_MIN_NOTE = 0.5  # shorter notes stay straight


def midi_to_hz(midi: float | np.ndarray) -> np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)


def f0_curve(times: np.ndarray, notes: list[NoteTime]) -> np.ndarray:
    """Hz at each time (song seconds) following the notes."""
    starts = np.array([n.start for n in notes])
    pitches = np.array([n.midi for n in notes], dtype=float)
    k = np.clip(np.searchsorted(starts, times + GLIDE_BEFORE, side="right") - 1, 0, len(notes) - 1)
    semis = pitches[k].copy()
    for j in range(1, len(notes)):
        lo, hi = starts[j] - GLIDE_BEFORE, starts[j] + GLIDE_AFTER
        inside = (times >= lo) & (times < hi)
        w = 0.5 - 0.5 * np.cos(np.pi * (times[inside] - lo) / (hi - lo))
        semis[inside] = pitches[j - 1] + (pitches[j] - pitches[j - 1]) * w
    cents = np.zeros_like(times)
    for note in notes:
        if note.end - note.start < VIBRATO_MIN_NOTE:
            continue
        t = times - note.start - VIBRATO_DELAY
        inside = (t > 0) & (times < note.end)
        depth = VIBRATO_CENTS * np.clip(t[inside] / VIBRATO_RAMP, 0, 1)
        cents[inside] = depth * np.sin(2 * np.pi * VIBRATO_HZ * t[inside])
    return midi_to_hz(semis + cents / 100.0)
