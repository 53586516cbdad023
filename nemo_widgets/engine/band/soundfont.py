"""Render band events through a General MIDI SoundFont with tinysoundfont.

The SoundFont is not on PyPI with a permissive licence, so `make` installs Debian's
FluidR3_GM (MIT); `NEMO_SOUNDFONT` points at any other General MIDI .sf2 file.
Tracks that need their own effects or a side of the stereo field are rendered as their own
stems (one pass of the same loaded synth each), then effected, panned and summed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nemo_widgets.engine.band.effects import apply_effects, pan
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
CENTRE_PAN = 64  # MIDI CC10: stems are rendered centred and placed by effects.pan


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
    for channel, program, tune in sorted({(e.channel, e.program, e.tune) for e in events}):
        if channel == DRUM_CHANNEL:
            try:
                synth.program_select(channel, sfid, DRUM_BANK, program, True)
            except RuntimeError:
                synth.program_select(channel, sfid, DRUM_BANK, 0, True)
        else:
            synth.program_select(channel, sfid, 0, program)
            synth.set_tuning(channel, tune)
        synth.control_change(channel, 10, CENTRE_PAN)
    total = int(round((duration + TAIL_SECONDS) * SAMPLE_RATE))
    stems: dict[tuple[float, tuple[str, ...]], list[NoteEvent]] = {}
    for e in events:
        stems.setdefault((e.pan, e.fx), []).append(e)
    out = np.zeros((total, 2), dtype=np.float32)
    for (position, fx), stem_events in sorted(stems.items()):
        stem = _render_pass(synth, stem_events, seconds_per_beat, total)
        out += pan(apply_effects(stem, fx, seconds_per_beat), position)
    return out


def _render_pass(synth, events: Sequence[NoteEvent], seconds_per_beat: float, total: int) -> np.ndarray:
    """One stem from the loaded synth; every voice is silenced afterwards so the next pass starts clean."""
    timeline = []
    for e in events:
        on = int(round(e.start * seconds_per_beat * SAMPLE_RATE))
        off = int(round((e.start + e.duration) * seconds_per_beat * SAMPLE_RATE))
        timeline.append((on, 1, e.channel, e.midi, e.velocity))
        timeline.append((max(off, on + 1), 0, e.channel, e.midi, 0))
    timeline.sort()
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
    synth.sounds_off()
    return out
