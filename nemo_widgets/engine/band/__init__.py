"""The accompaniment: drums, bass, chords, pad and counter-line for the arrangement, and their audio."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from nemo_widgets.engine.band.events import NoteEvent
from nemo_widgets.engine.band.grooves import drum_events
from nemo_widgets.engine.band.parts import bass_events, chord_events, counter_events, pad_events
from nemo_widgets.engine.band.soundfont import render_events
from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.model import Arrangement

__all__ = ["NoteEvent", "arrange_band", "render_band"]


def arrange_band(arr: Arrangement, preset: GenrePreset) -> tuple[NoteEvent, ...]:
    """All band notes, deterministic from the spec's seed."""
    rng = random.Random(arr.spec.seed ^ 0x5EED)
    events = [
        *drum_events(arr, preset, rng),
        *bass_events(arr, preset, rng),
        *chord_events(arr, preset, rng),
        *pad_events(arr, preset),
        *counter_events(arr, preset, rng),
    ]
    return tuple(sorted(events, key=lambda e: (e.start, e.channel, e.midi)))


def render_band(events: Sequence[NoteEvent], arr: Arrangement) -> np.ndarray:
    """Stereo float32 at 44.1 kHz: the song's length plus a short release tail."""
    return render_events(events, 60.0 / arr.bpm, arr.duration_seconds)
