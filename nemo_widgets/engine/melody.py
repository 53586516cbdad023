"""Pitches for a placed line: phrase arcs over chord tones, a lifted chorus with a held hook.

A Viterbi search over the scale tones inside the voice's range. Each line follows a guide
curve: an arc that rises to a peak and falls to the cadence, placed in the register of its
section (the chorus well above the verse, the pre-chorus climbing line by line, the bridge
falling from high). Verse lines answer the section's first line or repeat it a third higher
(a sequence). Costs favour steps, allow thirds and some leaps of a 4th to a 6th, each big
leap followed by a step back the other way, avoid repeated notes, and put chord tones on
strong syllables. A chorus line may carry the hook: a leap of a 4th or more up to a held
note near the top of the voice.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from nemo_widgets.engine.harmony import chord_at, scale
from nemo_widgets.engine.model import Chord, Key, SectionKind, VoiceName

VOICE_RANGE: dict[VoiceName, tuple[int, int]] = {"female": (57, 76), "male": (45, 65)}
LEAP = 5  # semitones from which an interval is a leap (a perfect 4th); the hook note is reached by one
HOOK_HEIGHT = 0.9  # where the hook note aims, as a fraction of the voice's range
MAX_LEAP = 12  # never more than an octave between two sung notes


@dataclass(frozen=True)
class Register:
    """Where a section sings, as fractions of the voice's range."""

    centre: float  # the middle of its lines
    height: float  # how far a line's arc rises above and falls below the centre
    climb: float  # added to the centre per line (a pre-chorus climbs)
    peak: float  # where in the line (0..1) the arc peaks: 0 falls from high (bridge), 1 climbs to the end


REGISTERS: dict[SectionKind, Register] = {
    "intro": Register(0.3, 0.22, 0.0, 0.55),
    "verse": Register(0.3, 0.22, 0.0, 0.55),
    "prechorus": Register(0.4, 0.16, 0.1, 1.0),
    "chorus": Register(0.6, 0.2, 0.0, 0.5),
    "bridge": Register(0.5, 0.22, 0.0, 0.0),
    "break": Register(0.5, 0.22, 0.0, 0.5),
    "outro": Register(0.3, 0.22, 0.0, 0.55),
}
SEQUENCE_STEP = 3  # semitones: the third line of a verse repeats the first this much higher


@dataclass(frozen=True)
class MelodyNote:
    beat: float  # absolute beats
    length: float  # beats
    strong: bool  # stressed syllable or strong metrical position


@dataclass(frozen=True)
class LinePlan:
    """What one line's melody has to do inside its section."""

    kind: SectionKind
    position: int  # the line's position inside its section
    last: bool  # the last line of its section: falls home to the tonic
    model: tuple[int, ...] = ()  # the section's first line, for answers and sequences
    hook: int | None = None  # index of the chorus hook note: leapt up to and held high
    previous: int | None = None  # the pitch sung just before this line

    @property
    def cadence(self) -> str:
        """"home" (the tonic), "open" (the 3rd or 5th, asking for more) or "any"."""
        if self.last:
            return "open" if self.kind in ("prechorus", "bridge") else "home"
        return "open" if self.position % 2 == 1 else "any"


def arc(t: float, peak: float, end: float) -> float:
    """-1..1 offset of the guide at relative position t: rises from -0.5 to 1 at `peak`, then falls to `end`."""
    if t <= peak and peak > 0.0:
        return -0.5 + 1.5 * math.sin(0.5 * math.pi * t / peak)
    return 1.0 - (1.0 - end) * ((t - peak) / (1.0 - peak)) ** 1.3


def guide(notes: list[MelodyNote], plan: LinePlan, low: int, high: int) -> list[float]:
    """The pitch each note leans towards before harmony and voice leading have their say."""
    span = high - low
    n = len(notes)
    if plan.kind == "verse" and plan.model and not plan.last and plan.position % 4 in (1, 2):
        shift = SEQUENCE_STEP if plan.position % 4 == 2 else 0
        m = len(plan.model)
        return [plan.model[round(i * (m - 1) / max(1, n - 1))] + shift for i in range(n)]
    reg = REGISTERS[plan.kind]
    centre = low + span * (reg.centre + reg.climb * plan.position)
    height = span * reg.height
    peak = reg.peak if plan.hook is None else plan.hook / max(1, n - 1)
    if plan.last and plan.kind != "prechorus":
        peak = min(peak, 0.45)
    end = -0.9 if plan.last else -0.5
    curve = [centre + height * arc(i / max(1, n - 1), peak, end) for i in range(n)]
    if plan.hook is not None:
        curve[plan.hook] = low + span * HOOK_HEIGHT
        if plan.hook > 0:
            curve[plan.hook - 1] = min(curve[plan.hook - 1], curve[plan.hook] - LEAP - 1)
    return curve


def interval_cost(step: int) -> float:
    """Steps are free, thirds cheap, 4ths, 5ths and 6ths possible, repeated notes and wide leaps dear."""
    size = abs(step)
    if size > MAX_LEAP:
        return math.inf
    return (0.7, 0.15, 0.0, 0.3, 0.4, 0.45, 3.0, 0.6, 1.3, 1.5, 4.0, 4.5, 3.0)[size]


def recovery_cost(leap: int, step: int) -> float:
    """After a leap of a 4th or more, go back the other way by a step (a third at most)."""
    if abs(leap) < LEAP:
        return 0.0
    if step * leap < 0 and abs(step) <= 2:
        return 0.0
    if step * leap < 0 and abs(step) <= 4:
        return 0.6
    return 2.5


def sing_line(
    notes: list[MelodyNote],
    chords: tuple[Chord, ...],
    key: Key,
    voice: VoiceName,
    plan: LinePlan,
    rng: random.Random,
) -> list[int]:
    """MIDI pitches for one line."""
    low, high = VOICE_RANGE[voice]
    tones = [m for m in range(low, high + 1) if m % 12 in scale(key)]
    target = guide(notes, plan, low, high)
    ceiling = max(plan.model) if plan.kind == "chorus" and plan.model else high
    n = len(notes)
    tonic = key.tonic
    fifth = (tonic + 7) % 12
    third = (tonic + (4 if key.mode == "major" else 3)) % 12

    def note_cost(i: int, m: int) -> float:
        chord_tones = chord_at(chords, notes[i].beat).pitch_classes()
        cost = 0.25 * abs(m - target[i])
        if m % 12 not in chord_tones:
            cost += 3.0 if notes[i].strong or i == plan.hook else 0.35
        if i != plan.hook and m > min(high - 2, ceiling):
            cost += 1.5  # the top of the voice (in a chorus: the hook's note) is kept for the hook
        if i == n - 1:
            if plan.cadence == "home" and m % 12 != tonic:
                cost += 4.0
            elif plan.cadence == "open" and m % 12 not in (fifth, third):
                cost += 1.5
            if m % 12 not in chord_tones:
                cost += 3.0
            if notes[i].length >= 1.0 and m > high - 3:
                cost += 2.0  # a held line end sits where the voice is comfortable
        if i == 0 and plan.previous is not None:
            jump = abs(m - plan.previous)
            cost += 0.15 * max(0, jump - 5) + (20.0 if jump > MAX_LEAP else 0.0)
        return cost + rng.random() * 0.6

    def link_cost(i: int, a: int, b: int, leap: int) -> float:
        cost = interval_cost(b - a) + recovery_cost(leap, b - a)
        if i == plan.hook and b - a < LEAP:
            cost += 6.0
        return cost

    # State: (pitch, the direction of the leap that reached it, 0 after a step), so a leap is answered by a step back.
    best: dict[tuple[int, int], float] = {(m, 0): note_cost(0, m) for m in tones}
    back: list[dict[tuple[int, int], tuple[int, int]]] = []
    for i in range(1, n):
        row: dict[tuple[int, int], float] = {}
        links: dict[tuple[int, int], tuple[int, int]] = {}
        costs = {m: note_cost(i, m) for m in tones}
        for (a, leap), value in best.items():
            for b in tones:
                step = b - a
                if abs(step) > MAX_LEAP:
                    continue
                state = (b, int(math.copysign(LEAP, step)) if abs(step) >= LEAP else 0)
                total = value + link_cost(i, a, b, leap) + costs[b]
                if total < row.get(state, math.inf):
                    row[state] = total
                    links[state] = (a, leap)
        best = row
        back.append(links)
    state = min(best, key=best.__getitem__)
    line = [state[0]]
    for links in reversed(back):
        state = links[state]
        line.append(state[0])
    line.reverse()
    return line
