"""Render band events through a General MIDI SoundFont with tinysoundfont.

The SoundFont is not on PyPI with a permissive licence, so `make` installs Debian's
FluidR3_GM (MIT); `NEMO_SOUNDFONT` points at any other General MIDI .sf2 file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nemo_widgets.engine.band.events import DRUM_CHANNEL, NoteEvent
from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.model import SAMPLE_RATE

SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
    "/opt/homebrew/share/soundfonts/default.sf2",
    "/usr/local/share/soundfonts/default.sf2",
)
DRUM_BANK = 128
TAIL_SECONDS = 2.0
GAIN_DB = -6.0


def find_soundfont() -> Path:
    candidates = [os.environ["NEMO_SOUNDFONT"]] if os.environ.get("NEMO_SOUNDFONT") else list(SOUNDFONT_PATHS)
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise EngineInputError(
        "No General MIDI SoundFont was found for the band: run `make` (it installs FluidR3_GM) "
        "or set NEMO_SOUNDFONT to a .sf2 file."
    )


def render_events(events: Sequence[NoteEvent], seconds_per_beat: float, duration: float) -> np.ndarray:
    """Stereo float32 audio of the events: `duration` seconds plus TAIL_SECONDS for releases."""
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=SAMPLE_RATE, gain=GAIN_DB)
    sfid = synth.sfload(str(find_soundfont()))
    for channel, program in sorted({(e.channel, e.program) for e in events}):
        if channel == DRUM_CHANNEL:
            try:
                synth.program_select(channel, sfid, DRUM_BANK, program, True)
            except RuntimeError:
                synth.program_select(channel, sfid, DRUM_BANK, 0, True)
        else:
            synth.program_select(channel, sfid, 0, program)
    timeline = []
    for e in events:
        on = int(round(e.start * seconds_per_beat * SAMPLE_RATE))
        off = int(round((e.start + e.duration) * seconds_per_beat * SAMPLE_RATE))
        timeline.append((on, 1, e.channel, e.midi, e.velocity))
        timeline.append((max(off, on + 1), 0, e.channel, e.midi, 0))
    timeline.sort()
    total = int(round((duration + TAIL_SECONDS) * SAMPLE_RATE))
    out = np.zeros((total, 2), dtype=np.float32)
    cursor = 0
    for at, is_on, channel, midi, velocity in timeline:
        at = min(at, total)
        if at > cursor:
            out[cursor:at] = np.frombuffer(synth.generate(at - cursor), dtype=np.float32).reshape(-1, 2)
            cursor = at
        if is_on:
            synth.noteon(channel, midi, velocity)
        else:
            synth.noteoff(channel, midi)
    if cursor < total:
        out[cursor:] = np.frombuffer(synth.generate(total - cursor), dtype=np.float32).reshape(-1, 2)
    return out
