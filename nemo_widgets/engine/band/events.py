"""The band's notes, MIDI-faithful so they render through a SoundFont and go into song.mid."""

from __future__ import annotations

from dataclasses import dataclass

DRUM_CHANNEL = 9


@dataclass(frozen=True)
class NoteEvent:
    track: str  # "Drums", "Bass", "Chords", "Pad", "Counter"
    channel: int
    program: int  # General MIDI program (for drums: the kit)
    start: float  # beats
    duration: float  # beats
    midi: int
    velocity: int


def swung(beat: float, swing: float) -> float:
    """Delay off-beat eighths by `swing` of half a beat (0.33 gives a triplet feel); the voice uses the same rule."""
    frac = beat % 1.0
    if abs(frac - 0.5) < 1e-6:
        return beat + swing * 0.5
    if abs(frac - 0.75) < 1e-6:
        return beat + swing * 0.25
    return beat
