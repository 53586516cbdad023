"""Pitches for a placed line: chord tones on strong syllables, mostly stepwise, shaped in phrases.

A Viterbi search over the scale tones inside the voice's range. Costs favour steps over
leaps, chord tones where the syllable is stressed or on a strong beat, a contour target
(arch, rise, fall) per line, and a cadence on the last note; the chorus sits higher.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from nemo_widgets.engine.harmony import chord_at, scale
from nemo_widgets.engine.model import Chord, Key, SectionKind, VoiceName

VOICE_RANGE: dict[VoiceName, tuple[int, int]] = {"female": (57, 74), "male": (45, 62)}
REGISTER: dict[SectionKind, float] = {  # contour centre, as a fraction of the voice's range
    "intro": 0.4, "verse": 0.4, "prechorus": 0.55, "chorus": 0.7, "bridge": 0.6, "break": 0.6, "outro": 0.4,
}
CONTOURS = ("arch", "fall", "rise", "fall")  # line shapes in order inside a section; the last falls home


@dataclass(frozen=True)
class MelodyNote:
    beat: float  # absolute beats
    strong: bool  # stressed syllable or strong metrical position


def contour(shape: str, t: float) -> float:
    """-1..1 offset from the register centre at relative position t in the line."""
    if shape == "arch":
        return math.sin(math.pi * t) * 1.0 - 0.3
    if shape == "rise":
        return -0.6 + 1.2 * t
    return 0.6 - 1.2 * t


def sing_line(
    notes: list[MelodyNote],
    chords: tuple[Chord, ...],
    key: Key,
    voice: VoiceName,
    kind: SectionKind,
    shape: str,
    cadence: str,
    rng: random.Random,
) -> list[int]:
    """MIDI pitches for one line. `cadence` is "home" (end on the tonic), "open" or "any"."""
    low, high = VOICE_RANGE[voice]
    tones = [m for m in range(low, high + 1) if m % 12 in scale(key)]
    centre = low + (high - low) * REGISTER[kind]
    amplitude = (high - low) * 0.2
    n = len(notes)
    tonic = key.tonic
    fifth = (key.tonic + 7) % 12

    def note_cost(i: int, m: int) -> float:
        chord_tones = chord_at(chords, notes[i].beat).pitch_classes()
        t = i / max(1, n - 1)
        cost = 0.22 * abs(m - (centre + amplitude * contour(shape, t)))
        if m % 12 not in chord_tones:
            cost += 3.0 if notes[i].strong else 0.35
        if i == n - 1:
            if cadence == "home" and m % 12 != tonic:
                cost += 4.0
            elif cadence == "open" and m % 12 not in (fifth, (tonic + (4 if key.mode == "major" else 3)) % 12):
                cost += 1.5
            if m % 12 not in chord_tones:
                cost += 3.0
        return cost + rng.random() * 0.9

    def step_cost(a: int, b: int) -> float:
        leap = abs(a - b)
        if leap == 0:
            return 0.5
        if leap <= 2:
            return 0.0
        if leap <= 4:
            return 0.45
        if leap <= 7:
            return 1.3 + 0.15 * leap
        return 6.0 + leap

    best = {m: note_cost(0, m) for m in tones}
    back: list[dict[int, int]] = []
    for i in range(1, n):
        row, links = {}, {}
        for m in tones:
            prev = min(tones, key=lambda q: best[q] + step_cost(q, m))
            row[m] = best[prev] + step_cost(prev, m) + note_cost(i, m)
            links[m] = prev
        best = row
        back.append(links)
    pitch = min(best, key=best.__getitem__)
    line = [pitch]
    for links in reversed(back):
        pitch = links[pitch]
        line.append(pitch)
    line.reverse()
    return line
