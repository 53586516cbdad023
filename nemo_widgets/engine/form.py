"""Song form: which sections play, how many bars each, their chords, and where each lyric line sits.

A 4-line lyric becomes a focused song (short intro, the lines, short outro); a
structured lyric keeps its own order of verses and choruses with a fuller intro and
outro. Every lyric line gets a slot of whole bars; the melody is written inside it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.harmony import progression
from nemo_widgets.engine.model import Lyrics, SectionKind, SectionPlan, SongSpec

BEATS_PER_BAR = 4
ENERGY: dict[SectionKind, float] = {
    "intro": 0.35, "verse": 0.55, "prechorus": 0.7, "chorus": 0.95, "bridge": 0.6, "break": 0.75, "outro": 0.4,
}
INSTRUMENTAL_FORM: tuple[tuple[SectionKind, str, int], ...] = (
    ("intro", "Intro", 4), ("verse", "Verse", 8), ("chorus", "Chorus", 8),
    ("verse", "Verse 2", 8), ("chorus", "Chorus", 8), ("bridge", "Bridge", 8),
    ("chorus", "Chorus", 8), ("outro", "Outro", 4),
)


@dataclass(frozen=True)
class LineSlot:
    """Where one lyric line is sung: a run of whole bars inside a section."""

    line_index: int
    section_index: int
    start: float  # beats
    bars: int
    position: int  # the line's position inside its section (0 = first)
    last_in_section: bool


def bars_for_line(syllables: int) -> int:
    """Two bars hold up to 12 syllables at a singable rate; longer lines get more."""
    return 2 * max(1, math.ceil(syllables / 13))


def plan_form(
    lyrics: Lyrics | None, spec: SongSpec, preset: GenrePreset, rng: random.Random
) -> tuple[tuple[SectionPlan, ...], tuple[LineSlot, ...]]:
    """Lay out sections, chords and line slots; `lyrics=None` means an instrumental form."""
    progressions = preset.progressions_major if spec.key.mode == "major" else preset.progressions_minor
    order = list(range(len(progressions)))
    rng.shuffle(order)
    by_kind = {
        kind: progressions[order[i % len(order)]]
        for i, kind in enumerate(("verse", "chorus", "prechorus", "bridge"))
    }
    by_kind["intro"] = by_kind["chorus"]
    by_kind["outro"] = by_kind["chorus"]

    layout: list[tuple[SectionKind, str, int, bool]] = []
    slots_spec: list[tuple[int, int, int]] = []  # (line index, section layout index, bars)
    if lyrics is None or spec.instrumental:
        layout = [(kind, label, bars, False) for kind, label, bars in _instrumental_form(spec)]
    else:
        structured = len(lyrics.sections) > 1 or len(lyrics.lines) > 6
        edge = 4 if structured else 2
        layout.append(("intro", "Intro", edge, False))
        line_index = 0
        for section in lyrics.sections:
            bars = 0
            for line in section.lines:
                line_bars = bars_for_line(sum(len(w.syllables) for w in line.words))
                slots_spec.append((line_index, len(layout), line_bars))
                bars += line_bars
                line_index += 1
            layout.append((section.kind, section.label, bars, True))
        layout.append(("outro", "Outro", edge, False))

    sections: list[SectionPlan] = []
    start = 0.0
    for kind, label, bars, sung in layout:
        chords = progression(by_kind[kind], spec.key, start, bars, BEATS_PER_BAR)
        if kind == "outro":
            chords = chords[:-1] + (progression(("I" if spec.key.mode == "major" else "i",), spec.key,
                                                chords[-1].start, 1, BEATS_PER_BAR))
        sections.append(SectionPlan(kind=kind, label=label, start=start, bars=bars,
                                    energy=ENERGY[kind], chords=chords, sung=sung))
        start += bars * BEATS_PER_BAR

    slots: list[LineSlot] = []
    cursor: dict[int, float] = {}
    position: dict[int, int] = {}
    for line_index, section_index, bars in slots_spec:
        beat = cursor.get(section_index, sections[section_index].start)
        pos = position.get(section_index, 0)
        cursor[section_index] = beat + bars * BEATS_PER_BAR
        position[section_index] = pos + 1
        last = cursor[section_index] >= sections[section_index].end(BEATS_PER_BAR) - 1e-9
        slots.append(LineSlot(line_index, section_index, beat, bars, pos, last))
    return tuple(sections), tuple(slots)


def _instrumental_form(spec: SongSpec) -> tuple[tuple[SectionKind, str, int], ...]:
    """The full instrumental form, cut or extended by whole sections to reach the target length."""
    target = spec.target_seconds or 75.0
    bar_seconds = BEATS_PER_BAR * 60.0 / spec.bpm
    body = [s for s in INSTRUMENTAL_FORM if s[0] not in ("intro", "outro")]
    edges = INSTRUMENTAL_FORM[0][2] + INSTRUMENTAL_FORM[-1][2]
    chosen: list[tuple[SectionKind, str, int]] = []
    i = 0
    while not chosen or (edges + sum(b for *_, b in chosen)) * bar_seconds < target - 4 * bar_seconds:
        chosen.append(body[i % len(body)])
        i += 1
    return (INSTRUMENTAL_FORM[0], *chosen, INSTRUMENTAL_FORM[-1])
