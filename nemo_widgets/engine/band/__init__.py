"""The accompaniment: one of the genre's bands (chosen by the seed) plays the arrangement, building with the
section energies, and its audio."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from nemo_widgets.engine.band.events import DRUM_CHANNEL, NoteEvent
from nemo_widgets.engine.band.grooves import RISER_CHANNEL, drum_events
from nemo_widgets.engine.band.parts import layer_events
from nemo_widgets.engine.band.roles import section_roles
from nemo_widgets.engine.band.soundfont import render_events
from nemo_widgets.engine.genres import Band, GenrePreset
from nemo_widgets.engine.model import Arrangement

__all__ = ["NoteEvent", "arrange_band", "choose_band", "render_band"]

LAYER_CHANNELS = tuple(c for c in range(16) if c not in (DRUM_CHANNEL, RISER_CHANNEL))
DROP_GROOVES = ("four_on_floor",)  # genres whose chorus is a drop after a silent beat


GOLDEN = 0.6180339887  # consecutive seeds step this far round the line-ups, so neighbours rarely share one


def choose_band(preset: GenrePreset, seed: int) -> Band:
    """The line-up this song's seed picks among the genre's bands (a Weyl sequence: spread evenly, and seeds that
    differ by one land on different line-ups whenever a genre has three or more)."""
    return preset.bands[int((seed * GOLDEN) % 1.0 * len(preset.bands))]


def arrange_band(arr: Arrangement, preset: GenrePreset) -> tuple[NoteEvent, ...]:
    """All band notes, deterministic from the spec's seed."""
    rng = random.Random(arr.spec.seed ^ 0x5EED)
    band = choose_band(preset, arr.spec.seed)
    roles = section_roles(arr, preset.groove in DROP_GROOVES)
    events = drum_events(arr, preset, roles, band.kit, rng)
    for layer, channel in zip(band.layers, LAYER_CHANNELS):
        events.extend(layer_events(arr, preset, roles, layer, channel, rng))
    return tuple(sorted(events, key=lambda e: (e.start, e.channel, e.midi)))


def render_band(events: Sequence[NoteEvent], arr: Arrangement) -> np.ndarray:
    """Stereo float32 at 44.1 kHz: the song's length plus a short release tail."""
    return render_events(events, 60.0 / arr.bpm, arr.duration_seconds)
