"""Lyrics and a spec in, the full score out: form, chords and the sung melody.

Melodies are remembered so a song sounds written rather than generated: a repeated
lyric line is sung to the same tune, a verse line reuses the tune of the same line in
the first verse when its stresses match, and chorus lines that scan like the chorus's
first line repeat it. The chorus's first line carries the hook: a stressed syllable near
its middle is held and reached by a leap up to the top of the voice.
"""

from __future__ import annotations

import random
from dataclasses import replace

from nemo_widgets.engine.form import BEATS_PER_BAR, LineSlot, plan_form
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.melody import LinePlan, MelodyNote, sing_line
from nemo_widgets.engine.model import Arrangement, Chord, Line, Lyrics, Phrase, SectionKind, SongSpec, VocalNote
from nemo_widgets.engine.rhythm import Placement, SyllableSlot, metrical_weight, place_syllables

Tune = tuple[Placement, tuple[int, ...]]
LEGATO: tuple[SectionKind, ...] = ("chorus", "bridge")  # sections whose stressed syllables are held longer


def compose(lyrics: Lyrics | None, spec: SongSpec) -> Arrangement:
    """Write the song. Same spec (seed included), same song."""
    preset = PRESETS[spec.genre]
    rng = random.Random(spec.seed)
    sections, slots, lyrics = plan_form(lyrics, spec, preset, rng)
    phrases: list[Phrase] = []
    if lyrics is not None and not spec.instrumental:
        first_word = _first_word_indices(lyrics)
        tunes: dict[object, Tune] = {}
        models: dict[int, tuple[int, ...]] = {}  # section index -> its first line's pitches
        previous: int | None = None
        for slot in slots:
            line = lyrics.lines[slot.line_index]
            kind = sections[slot.section_index].kind
            pattern = _stress_pattern(line)
            keys = (("text", _sung_text(line)), ("position", kind, slot.position, pattern), ("hook", kind, pattern))
            tune = next((tunes[k] for k in keys if k in tunes), None)
            if tune is None:
                plan = LinePlan(kind=kind, position=slot.position, last=slot.last_in_section,
                                model=models.get(slot.section_index, ()), previous=previous)
                tune = _new_tune(line, slot, sections[slot.section_index].chords, plan, spec, rng)
            for k in keys:
                if k[0] != "hook" or (slot.position == 0 and kind == "chorus"):
                    tunes.setdefault(k, tune)
            models.setdefault(slot.section_index, tune[1])
            previous = tune[1][-1]
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


def _hook_syllable(syllables: list[SyllableSlot]) -> int | None:
    """The stressed syllable nearest the line's middle (neither its first nor its last), to hold as the hook."""
    inner = [i for i in range(1, len(syllables) - 1) if syllables[i].stress == 1]
    return min(inner, key=lambda i: abs(i - 0.45 * (len(syllables) - 1)), default=None)


def _new_tune(
    line: Line, slot: LineSlot, chords: tuple[Chord, ...], plan: LinePlan, spec: SongSpec, rng: random.Random
) -> Tune:
    syllables = _syllable_slots(line)
    hook = _hook_syllable(syllables) if plan.kind == "chorus" and plan.position == 0 else None
    placement = place_syllables(syllables, slot.bars, rng, legato=plan.kind in LEGATO, hold=hook)
    notes = [
        MelodyNote(beat=slot.start + start / 2, length=length / 2,
                   strong=s.stress == 1 or metrical_weight(start) >= 3)
        for s, start, length in zip(syllables, placement.starts, placement.lengths)
    ]
    pitches = sing_line(notes, chords, spec.key, spec.voice, replace(plan, hook=hook), rng)
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
