"""Lyrics and a spec in, the full score out: form, chords and the sung melody.

Melodies are remembered so a song sounds written rather than generated: a repeated
lyric line is sung to the same tune, a verse line reuses the tune of the same line in
the first verse when its stresses match, and chorus lines that scan like the chorus's
first line repeat it as a hook.
"""

from __future__ import annotations

import random

from nemo_widgets.engine.form import BEATS_PER_BAR, LineSlot, plan_form
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.melody import CONTOURS, MelodyNote, sing_line
from nemo_widgets.engine.model import Arrangement, Chord, Line, Lyrics, Phrase, SectionKind, SongSpec, VocalNote
from nemo_widgets.engine.rhythm import Placement, SyllableSlot, metrical_weight, place_syllables

Tune = tuple[Placement, tuple[int, ...]]


def compose(lyrics: Lyrics | None, spec: SongSpec) -> Arrangement:
    """Write the song. Same spec (seed included), same song."""
    preset = PRESETS[spec.genre]
    rng = random.Random(spec.seed)
    sections, slots, lyrics = plan_form(lyrics, spec, preset, rng)
    phrases: list[Phrase] = []
    if lyrics is not None and not spec.instrumental:
        first_word = _first_word_indices(lyrics)
        tunes: dict[object, Tune] = {}
        for slot in slots:
            line = lyrics.lines[slot.line_index]
            kind = sections[slot.section_index].kind
            pattern = _stress_pattern(line)
            keys = (("text", _sung_text(line)), ("position", kind, slot.position, pattern), ("hook", kind, pattern))
            tune = next((tunes[k] for k in keys if k in tunes), None)
            if tune is None:
                tune = _new_tune(line, slot, sections[slot.section_index].chords, kind, spec, rng)
            for k in keys:
                if k[0] != "hook" or slot.position == 0:
                    tunes.setdefault(k, tune)
            phrases.append(_phrase(line, slot, tune, first_word[slot.line_index], preset.swing))
    return Arrangement(spec=spec, lyrics=lyrics or Lyrics(sections=()), bpm=spec.bpm,
                       beats_per_bar=BEATS_PER_BAR, sections=sections, phrases=tuple(phrases))


def _first_word_indices(lyrics: Lyrics) -> list[int]:
    starts, count = [], 0
    for line in lyrics.lines:
        starts.append(count)
        count += len(line.words)
    return starts


def _sung_text(line: Line) -> str:
    return " ".join(w.text.lower() for w in line.words)


def _syllable_slots(line: Line) -> list[SyllableSlot]:
    return [SyllableSlot(stress=s.stress, word_start=j == 0) for w in line.words for j, s in enumerate(w.syllables)]


def _stress_pattern(line: Line) -> tuple[tuple[int, bool], ...]:
    return tuple((s.stress, s.word_start) for s in _syllable_slots(line))


def _new_tune(
    line: Line, slot: LineSlot, chords: tuple[Chord, ...], kind: SectionKind, spec: SongSpec, rng: random.Random
) -> Tune:
    syllables = _syllable_slots(line)
    placement = place_syllables(syllables, slot.bars, rng)
    notes = [
        MelodyNote(beat=slot.start + start / 2, strong=s.stress == 1 or metrical_weight(start) >= 3)
        for s, start in zip(syllables, placement.starts)
    ]
    cadence = "home" if slot.last_in_section else ("open" if slot.position % 2 == 1 else "any")
    shape = CONTOURS[-1] if slot.last_in_section else CONTOURS[slot.position % (len(CONTOURS) - 1)]
    pitches = sing_line(notes, chords, spec.key, spec.voice, kind, shape, cadence, rng)
    return placement, tuple(pitches)


def _phrase(line: Line, slot: LineSlot, tune: Tune, first_word: int, swing: float) -> Phrase:
    placement, pitches = tune

    def beat(eighth: int) -> float:
        return slot.start + eighth / 2 + (swing * 0.5 if eighth % 2 else 0.0)

    notes: list[VocalNote] = []
    i = 0
    for w, word in enumerate(line.words):
        for j, syllable in enumerate(word.syllables):
            start, length = placement.starts[i], placement.lengths[i]
            notes.append(VocalNote(word_index=first_word + w, syllable_index=j, text=syllable.text,
                                   start=beat(start), duration=beat(start + length) - beat(start), midi=pitches[i]))
            i += 1
    return Phrase(line_index=slot.line_index, section_index=slot.section_index, notes=tuple(notes))
