"""The band's notes, MIDI-faithful so they render through a SoundFont and go into song.mid."""

from __future__ import annotations

from dataclasses import dataclass

DRUM_CHANNEL = 9


@dataclass(frozen=True)
class NoteEvent:
    track: str  # the layer's name ("Bass", "Guitar L"...), "Drums" or "Riser"
    channel: int
    program: int  # General MIDI program (for drums: the kit)
    start: float  # beats
    duration: float  # beats
    midi: int
    velocity: int
    pan: float = 0.0  # -1 hard left .. 1 hard right
    fx: tuple[str, ...] = ()  # effects on this track's own stem (band/effects.py)
    tune: float = 0.0  # semitones, for the whole channel


def swung(beat: float, swing: float) -> float:
    """Delay off-beat eighths by `swing` of half a beat (0.33 gives a triplet feel); the voice uses the same rule."""
    frac = beat % 1.0
    if abs(frac - 0.5) < 1e-6:
        return beat + swing * 0.5
    if abs(frac - 0.75) < 1e-6:
        return beat + swing * 0.25
    return beat


def swung16(beat: float, swing: float) -> float:
    """Delay the off sixteenths (the "e" and "a") by `swing` of a sixteenth: the lazy 16th feel of R&B."""
    frac = (beat * 4) % 2.0
    return beat + swing * 0.25 if abs(frac - 1.0) < 1e-6 else beat
