"""Bass, chords, pad and counter-line: pitched parts that follow the chords in each genre's style."""

from __future__ import annotations

import random

from nemo_widgets.engine.band.events import NoteEvent, swung
from nemo_widgets.engine.band.grooves import section_level
from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.harmony import scale
from nemo_widgets.engine.model import Arrangement, Chord, SectionPlan

BASS_LOW = 36  # the bass root sits in C2..B2
CHORD_CENTRE = 62
COUNTER_RANGE = (67, 84)
VOCAL_MARGIN = 0.25  # beats kept clear around sung notes

# (beat offset in the bar, length in beats, accent) per chord rhythm
CHORD_RHYTHMS: dict[str, tuple[tuple[float, float, bool], ...]] = {
    "sustain": ((0, 4, True),),
    "strum": ((0, 1, True), (1, 0.5, False), (1.5, 1, False), (2.5, 0.5, False), (3, 0.5, True), (3.5, 0.5, False)),
    "stabs": ((0, 0.75, True), (1.5, 0.5, False), (2, 0.75, True), (3.5, 0.5, False)),
    "arpeggio": tuple((i * 0.5, 0.5, i % 4 == 0) for i in range(8)),
    "offbeat": tuple((i + 0.5, 0.4, False) for i in range(4)),
    "comp": ((0, 1.5, True), (1.5, 0.5, False), (2.5, 1.25, False)),
}
BASS_RHYTHMS: dict[str, tuple[tuple[float, float, str], ...]] = {  # (beat, length, "root"|"fifth"|"octave"|"approach")
    "root_eighths": tuple((i * 0.5, 0.45, "root") for i in range(8)),
    "root_fifth": ((0, 1.5, "root"), (2, 1, "fifth"), (3, 0.9, "root")),
    "octaves": tuple((i * 0.5, 0.4, "octave" if i % 2 else "root") for i in range(8)),
    "sub_808": ((0, 1.7, "root"), (1.75, 0.5, "root"), (2.5, 1.4, "root")),
    "syncopated": ((0, 1.0, "root"), (1.5, 0.5, "fifth"), (2, 1.0, "root"), (3, 0.5, "octave"), (3.5, 0.5, "approach")),
}


def bass_events(arr: Arrangement, preset: GenrePreset, rng: random.Random) -> list[NoteEvent]:
    events = []
    for section in arr.sections:
        rhythm = BASS_RHYTHMS[preset.bass_style]
        if section_level(section) == "low":
            rhythm = ((0, 3.8, "root"),)
        for chord in section.chords:
            root = BASS_LOW + (chord.root - BASS_LOW) % 12
            fifth = root + (6 if chord.quality == "dim" else 7)
            next_root = _next_root(arr, chord)
            for beat, length, role in rhythm:
                if beat >= chord.duration:
                    continue
                pitch = {"root": root, "fifth": fifth, "octave": root + 12}.get(role)
                if pitch is None:
                    pitch = next_root - 1 if next_root > root else next_root + 1
                velocity = 100 if beat == 0 else 84
                start = swung(chord.start + beat, preset.swing)
                events.append(NoteEvent("Bass", 1, preset.bass.program, start, _fit(start, length, chord), pitch,
                                        _vel(velocity, section, rng)))
    return events


def chord_events(arr: Arrangement, preset: GenrePreset, rng: random.Random) -> list[NoteEvent]:
    events = []
    voicing: list[int] = []
    for section in arr.sections:
        rhythm = CHORD_RHYTHMS[preset.chord_rhythm if section_level(section) != "low" else "sustain"]
        for chord in section.chords:
            voicing = _voice_lead(chord, voicing)
            for i, (beat, length, accent) in enumerate(rhythm):
                if beat >= chord.duration:
                    continue
                start = swung(chord.start + beat, preset.swing)
                velocity = _vel(96 if accent else 80, section, rng)
                if preset.chord_rhythm == "arpeggio" and section_level(section) != "low":
                    notes = [voicing[i % len(voicing)] if i % 4 else voicing[0] - 12]
                else:
                    notes = voicing
                for k, pitch in enumerate(notes):
                    at = start + (0.02 * k if preset.chord_rhythm == "strum" else 0.0)
                    events.append(NoteEvent("Chords", 2, preset.chords.program, at, _fit(at, length, chord), pitch, velocity))
    return events


def pad_events(arr: Arrangement, preset: GenrePreset) -> list[NoteEvent]:
    if preset.pad is None:
        return []
    events = []
    for section in arr.sections:
        if section.kind not in ("intro", "chorus", "bridge", "outro"):
            continue
        for chord in section.chords:
            for pitch in _voice_lead(chord, [CHORD_CENTRE - 5, CHORD_CENTRE - 1, CHORD_CENTRE + 2]):
                events.append(NoteEvent("Pad", 3, preset.pad.program, chord.start, chord.duration, pitch, 64))
    return events


def counter_events(arr: Arrangement, preset: GenrePreset, rng: random.Random) -> list[NoteEvent]:
    """A melodic answer in the bars the voice leaves free: chord tones and steps, never over a sung note."""
    if preset.counter is None:
        return []
    busy = [(n.start - VOCAL_MARGIN, n.start + n.duration + VOCAL_MARGIN) for n in arr.notes]
    tones = [m for m in range(*COUNTER_RANGE) if m % 12 in scale(arr.spec.key)]
    motif_rhythm = rng.choice((((0, 1), (1, 0.5), (1.5, 0.5), (2, 2)), ((0, 0.5), (0.5, 0.5), (1, 1), (2, 1), (3, 1)),
                               ((0, 1.5), (1.5, 0.5), (2, 1), (3, 1))))
    steps = [rng.choice((-2, -1, 1, 2)) for _ in motif_rhythm]
    events = []
    for section in arr.sections:
        if section_level(section) == "low" and section.kind != "outro" and section.sung:
            continue
        for chord in section.chords:
            chord_tones = [m for m in tones if m % 12 in chord.pitch_classes()]
            pitch = chord_tones[len(chord_tones) // 2]
            for (beat, length), step in zip(motif_rhythm, steps):
                start = chord.start + beat
                end = start + min(length, chord.duration - beat)
                if beat >= chord.duration or any(a < end and start < b for a, b in busy):
                    continue
                events.append(NoteEvent("Counter", 4, preset.counter.program, swung(start, preset.swing),
                                        end - start, pitch, _vel(78, section, rng)))
                index = tones.index(pitch) + step
                pitch = tones[min(max(index, 0), len(tones) - 1)]
    return events


def _voice_lead(chord: Chord, previous: list[int]) -> list[int]:
    """The inversion of `chord` nearest the previous voicing (or the centre), three or four notes."""
    classes = chord.pitch_classes()
    candidates = []
    for base in range(CHORD_CENTRE - 10, CHORD_CENTRE + 3):
        if base % 12 in classes:
            voicing = [base]
            for pc in classes:
                if pc == base % 12:
                    continue
                voicing.append(base + (pc - base) % 12)
            candidates.append(sorted(voicing))
    reference = previous or [CHORD_CENTRE - 3, CHORD_CENTRE + 1, CHORD_CENTRE + 4]
    def distance(v: list[int]) -> float:
        return sum(min(abs(p - q) for q in reference) for p in v) + abs(sum(v) / len(v) - CHORD_CENTRE) * 0.5
    return min(candidates, key=distance)


def _fit(start: float, length: float, chord: Chord) -> float:
    """A note's length cut so it ends with its chord."""
    return min(length, chord.start + chord.duration - start)


def _next_root(arr: Arrangement, chord: Chord) -> int:
    chords = [c for s in arr.sections for c in s.chords]
    i = next(k for k, c in enumerate(chords) if c is chord)
    following = chords[i + 1] if i + 1 < len(chords) else chords[0]
    return BASS_LOW + (following.root - BASS_LOW) % 12


def _vel(base: int, section: SectionPlan, rng: random.Random) -> int:
    return max(25, min(127, int(base * (0.75 + 0.3 * section.energy)) + rng.randint(-5, 5)))
