"""The pitched layers of a band: bass, chords, pads and counter-lines that follow the chords, each in its style,
entering by section energy and ending on the final held chord."""

from __future__ import annotations

import random
from collections.abc import Iterator

from nemo_widgets.engine.band.events import NoteEvent, swung
from nemo_widgets.engine.band.roles import FINAL_ENERGY, SectionRole
from nemo_widgets.engine.genres import GenrePreset, Layer
from nemo_widgets.engine.harmony import scale
from nemo_widgets.engine.model import Arrangement, Chord, SectionPlan

BASS_LOW = 36  # the bass root sits in C2..B2
POWER_LOW = 40  # power-chord roots sit in E2..D#3
CHORD_CENTRE = 62
COUNTER_RANGE = (67, 84)
VOCAL_MARGIN = 0.25  # beats kept clear around sung notes
OCTAVE_DOUBLING_ENERGY = 0.8  # chords and pads add the top note an octave up from here (choruses)
RUBATO = 0.045  # beats of timing spread of the ballad piano

# (beat offset in the bar, length in beats, accent) per chord rhythm
CHORD_RHYTHMS: dict[str, tuple[tuple[float, float, bool], ...]] = {
    "sustain": ((0, 4, True),),
    "strum": ((0, 1, True), (1, 0.5, False), (1.5, 1, False), (2.5, 0.5, False), (3, 0.5, True), (3.5, 0.5, False)),
    "stabs": ((0, 0.75, True), (1.5, 0.5, False), (2, 0.75, True), (3.5, 0.5, False)),
    "arpeggio": tuple((i * 0.5, 0.5, i % 4 == 0) for i in range(8)),
    "offbeat": tuple((i + 0.5, 0.4, False) for i in range(4)),
    "comp": ((0, 1.5, True), (1.5, 0.5, False), (2.5, 1.25, False)),
    "eighths": tuple((i * 0.5, 0.3, i % 2 == 0) for i in range(8)),
}
POWER_RHYTHMS = {  # palm-muted chugs when quieter, open ringing eighths accented on the beat in a chorus
    "low": tuple((i * 0.5, 0.3, i % 4 == 0) for i in range(8)),
    "high": tuple((i * 0.5, 0.5, i % 2 == 0) for i in range(8)),
}
BASS_RHYTHMS: dict[str, tuple[tuple[float, float, str], ...]] = {  # (beat, length, "root"|"fifth"|"octave"|"approach")
    "root_eighths": tuple((i * 0.5, 0.45, "root") for i in range(8)),
    "root_fifth": ((0, 1.5, "root"), (2, 1, "fifth"), (3, 0.9, "root")),
    "octaves": tuple((i * 0.5, 0.4, "octave" if i % 2 else "root") for i in range(8)),
    "sub_808": ((0, 1.7, "root"), (1.75, 0.5, "root"), (2.5, 1.4, "root")),
    "syncopated": ((0, 0.75, "root"), (0.75, 0.5, "octave"), (1.5, 0.5, "fifth"), (2.25, 0.75, "root"),
                   (3.25, 0.25, "octave"), (3.5, 0.5, "approach")),
}


def layer_events(arr: Arrangement, preset: GenrePreset, roles: tuple[SectionRole, ...], layer: Layer, channel: int,
                 rng: random.Random) -> list[NoteEvent]:
    """Every note one layer plays: its style in the sections whose energy lets it in, then the final chord."""
    play = {"bass": _bass, "chords": _chords, "pad": _pad, "counter": _counter}[layer.role]
    bpb = arr.beats_per_bar
    events: list[NoteEvent] = []

    def note(start: float, length: float, midi: int, velocity: float) -> None:
        lag = layer.lag + (rng.uniform(0.0, 0.006) if layer.lag else 0.0)
        events.append(NoteEvent(layer.name, channel, layer.program, start + lag, max(0.05, length - lag),
                                midi + layer.octave, max(20, min(127, int(velocity * layer.level) + rng.randint(-4, 4))),
                                layer.pan, layer.fx, layer.tune))

    voicing: list[int] = []
    for section, role in zip(arr.sections, roles):
        stop = section.end(bpb) - (bpb if role.final else role.gap)
        answers = layer.role == "counter" and not section.sung  # the counter-line is the tune of intros and outros
        if layer.enter <= role.energy < layer.leave or answers:
            for start, length, midi, velocity in play(arr, preset, layer.style, section, role, rng):
                if start < stop - 1e-9:
                    note(start, min(length, stop - start), midi, velocity * _loudness(role.energy))
        voicing = _voice_lead(section.chords[-1], voicing)
    if layer.enter <= FINAL_ENERGY < layer.leave and layer.role != "counter":
        final = arr.sections[-1].chords[-1]
        pitches = _power(final) if layer.style == "power" else (
            [_bass_root(final)] if layer.role == "bass" else voicing)
        for midi in pitches:
            note(final.start, final.duration, midi, 110)
    return events


def _loudness(energy: float) -> float:
    """Velocity scale by energy: quiet sections play softer, the last chorus hardest."""
    return 0.55 + 0.5 * energy


NoteTuple = tuple[float, float, int, float]  # start, length (beats), MIDI pitch, velocity before the layer's level


def _bass(arr: Arrangement, preset: GenrePreset, style: str, section: SectionPlan, role: SectionRole,
          rng: random.Random) -> Iterator[NoteTuple]:
    rhythm = BASS_RHYTHMS[style] if role.energy >= 0.45 else ((0, 3.8, "root"),)
    for chord in section.chords:
        root = _bass_root(chord)
        fifth = root + (6 if chord.quality == "dim" else 7)
        next_root = _bass_root(_next_chord(arr, chord))
        for beat, length, part in rhythm:
            if beat >= chord.duration:
                continue
            pitch = {"root": root, "fifth": fifth, "octave": root + 12}.get(part)
            if pitch is None:
                pitch = next_root - 1 if next_root > root else next_root + 1
            start = swung(chord.start + beat, preset.swing)
            yield start, _fit(start, length, chord), pitch, 100 if beat == 0 else 84


def _chords(arr: Arrangement, preset: GenrePreset, style: str, section: SectionPlan, role: SectionRole,
            rng: random.Random) -> Iterator[NoteTuple]:
    voicing: list[int] = []
    for chord in section.chords:
        voicing = _voice_lead(chord, voicing)
        if style == "power":
            yield from _power_chord(chord, role, preset)
        elif style == "pick":
            yield from _travis(chord, voicing, role, preset)
        elif style == "rolled":
            yield from _rolled(chord, voicing, role, rng)
        else:
            notes = voicing + ([voicing[-1] + 12] if role.energy >= OCTAVE_DOUBLING_ENERGY else [])
            for i, (beat, length, accent) in enumerate(CHORD_RHYTHMS[style]):
                if beat >= chord.duration:
                    continue
                start = swung(chord.start + beat, preset.swing)
                velocity = 96 if accent else 80
                chosen = [notes[i % len(notes)] if i % 4 else notes[0] - 12] if style == "arpeggio" else notes
                for k, pitch in enumerate(chosen):
                    at = start + (0.02 * k if style == "strum" else 0.0)
                    yield at, _fit(at, length, chord), pitch, velocity


def _power_chord(chord: Chord, role: SectionRole, preset: GenrePreset) -> Iterator[NoteTuple]:
    full = role.energy >= 0.75
    for beat, length, accent in POWER_RHYTHMS["high" if full else "low"]:
        if beat >= chord.duration:
            continue
        start = swung(chord.start + beat, preset.swing)
        for pitch in _power(chord) + ([_power(chord)[0] + 19] if role.energy >= OCTAVE_DOUBLING_ENERGY else []):
            yield start, _fit(start, length, chord), pitch, (104 if accent else 88) if full else (84 if accent else 70)


def _power(chord: Chord) -> list[int]:
    """Root, fifth and octave: the power chord of rock guitar (a flat fifth on a diminished chord)."""
    root = POWER_LOW + (chord.root - POWER_LOW) % 12
    return [root, root + (6 if chord.quality == "dim" else 7), root + 12]


def _travis(chord: Chord, voicing: list[int], role: SectionRole, preset: GenrePreset) -> Iterator[NoteTuple]:
    """Finger-picking: the thumb alternates root and fifth on the beats, the fingers pick chord tones in between."""
    root = POWER_LOW + (chord.root - POWER_LOW) % 12
    thumb = (root, root + 7, root + 12 if role.energy >= 0.6 else root, root + 7)
    fingers = sorted(voicing)[1:] + [sorted(voicing)[0] + 12]
    for beat in range(int(chord.duration)):
        start = chord.start + beat
        yield start, 1.0, thumb[beat % 4], 88 if beat % 2 == 0 else 78
        off = swung(start + 0.5, preset.swing)
        yield off, _fit(off, 0.75, chord), fingers[beat % len(fingers)], 72
        if role.energy >= 0.6 and beat % 2 == 1:
            at = start + 0.75
            yield at, _fit(at, 0.25, chord), fingers[(beat + 1) % len(fingers)], 64


def _rolled(chord: Chord, voicing: list[int], role: SectionRole, rng: random.Random) -> Iterator[NoteTuple]:
    """Ballad piano, played freely: a low root, the chord rolled upward with a human spread, arpeggios when fuller."""
    start = chord.start + rng.uniform(0.0, RUBATO)
    yield start, chord.duration, _bass_root(chord), 84
    for k, pitch in enumerate(voicing):
        at = start + 0.05 * (k + 1) + rng.uniform(0.0, RUBATO / 2)
        yield at, _fit(at, chord.duration, chord), pitch, 78
    if role.energy >= 0.5:
        figure = [voicing[1], voicing[-1], voicing[0] + 12, voicing[-1]]
        for i, pitch in enumerate(figure):
            at = chord.start + 1.5 + i * 0.5 + rng.uniform(-RUBATO, RUBATO)
            if at < chord.start + chord.duration:
                yield at, _fit(at, 1.0, chord), pitch, 66


def _pad(arr: Arrangement, preset: GenrePreset, style: str, section: SectionPlan, role: SectionRole,
         rng: random.Random) -> Iterator[NoteTuple]:
    voicing = [CHORD_CENTRE - 5, CHORD_CENTRE - 1, CHORD_CENTRE + 2]
    for chord in section.chords:
        voicing = _voice_lead(chord, voicing)
        doubled = voicing + ([voicing[0] + 12] if role.energy >= OCTAVE_DOUBLING_ENERGY else [])
        for pitch in doubled:
            yield chord.start, chord.duration, pitch, 76


def _counter(arr: Arrangement, preset: GenrePreset, style: str, section: SectionPlan, role: SectionRole,
             rng: random.Random) -> Iterator[NoteTuple]:
    """A melodic answer in the bars the voice leaves free: chord tones and steps, never over a sung note."""
    busy = [(n.start - VOCAL_MARGIN, n.start + n.duration + VOCAL_MARGIN) for n in arr.notes]
    tones = [m for m in range(*COUNTER_RANGE) if m % 12 in scale(arr.spec.key)]
    motif = _motif(arr)
    for chord in section.chords:
        chord_tones = [m for m in tones if m % 12 in chord.pitch_classes()]
        pitch = chord_tones[len(chord_tones) // 2]
        for (beat, length), step in motif:
            start = chord.start + beat
            end = start + min(length, chord.duration - beat)
            if beat >= chord.duration or any(a < end and start < b for a, b in busy):
                continue
            yield swung(start, preset.swing), end - start, pitch, 78
            index = tones.index(pitch) + step
            pitch = tones[min(max(index, 0), len(tones) - 1)]


def _motif(arr: Arrangement) -> list[tuple[tuple[float, float], int]]:
    """The counter-line's rhythm and steps: one motif per song, from its seed."""
    rng = random.Random(arr.spec.seed ^ 0xC0DA)
    rhythm = rng.choice((((0, 1), (1, 0.5), (1.5, 0.5), (2, 2)), ((0, 0.5), (0.5, 0.5), (1, 1), (2, 1), (3, 1)),
                         ((0, 1.5), (1.5, 0.5), (2, 1), (3, 1))))
    return [(r, rng.choice((-2, -1, 1, 2))) for r in rhythm]


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


def _bass_root(chord: Chord) -> int:
    return BASS_LOW + (chord.root - BASS_LOW) % 12


def _next_chord(arr: Arrangement, chord: Chord) -> Chord:
    chords = [c for s in arr.sections for c in s.chords]
    i = next(k for k, c in enumerate(chords) if c is chord)
    return chords[i + 1] if i + 1 < len(chords) else chords[0]
