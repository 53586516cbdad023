"""Song form: which sections play, how many bars each, their chords and energy, and where each lyric line is sung.

The sung order: tagged lyrics keep the writer's order; untagged lyrics with one chorus stanza sing it after the
verses (after every second verse when there are many). Then the length. A length asked for is met to the bar by
growing the form step by step (the chorus again at the end, a break before the last chorus, a double last chorus,
a solo after the first chorus, then the whole lyric again after another break) and sizing the intro, outro and
breaks; lyrics longer than the length are all sung, never cut. With no length, a few lines make a focused
20-40 s song (the chorus twice when it fits) and longer lyrics a full song.
Repeats are copies: `plan_form` returns the lyrics as sung, with new lines and words for every repeat, so every
sung word has its own index (and its own entry in timing.json).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import chain, cycle, islice

from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.harmony import progression
from nemo_widgets.engine.model import Line, Lyrics, Section, SectionKind, SectionPlan, SongSpec

BEATS_PER_BAR = 4
TAIL_SECONDS = 1.5  # the song file runs on after the last bar, for reverb and the final chord's release
# How full and loud the band plays (0..1): verses rise a little each time, the last chorus is 1.0.
ENERGY: dict[SectionKind, float] = {
    "intro": 0.3, "verse": 0.45, "prechorus": 0.65, "chorus": 0.85, "bridge": 0.6, "break": 0.6, "outro": 0.35,
}
VERSE_RISE, VERSE_RISES = 0.05, 2
CHORUS_RISE, LAST_CHORUS_ENERGY = 0.05, 1.0
FOCUSED_LINES = 6  # lyrics this short make a focused song when no length is asked
FOCUSED_SECONDS = (20.0, 40.0)
FOCUSED_EDGES = ((2, 2), (1, 2), (1, 1), (4, 2), (4, 4), (8, 4), (8, 8))  # (intro, outro) bars, in preference order
FULL_EDGE_BARS = 4
SHORT_LYRIC_BARS = 16  # a lyric this short is sung again whole to fill a long song; a longer one repeats its chorus
LENGTH_TOLERANCE = 0.1  # a length asked for is met within this share, when the lyrics fit in it
PRECHORUS_LINES = 2  # an untagged verse of three times this many lines hands its last ones to a pre-chorus
# Bars of the instrumental sections the length is fitted with: (fewest, comfortable most, most).
FLEX_BARS: dict[SectionKind, tuple[int, int, int]] = {"intro": (1, 4, 8), "break": (4, 6, 8), "outro": (1, 4, 8)}
INSTRUMENTAL_BODY: tuple[tuple[SectionKind, str], ...] = (
    ("verse", "Verse"), ("chorus", "Chorus"), ("verse", "Verse 2"), ("chorus", "Chorus"), ("bridge", "Bridge"),
    ("chorus", "Chorus"),
)
INSTRUMENTAL_SECTION_BARS = 8
INSTRUMENTAL_SECONDS = 75.0  # an instrumental's length when none is asked


@dataclass(frozen=True)
class LineSlot:
    """Where one lyric line is sung: a run of whole bars inside a section."""

    line_index: int  # index into the lyrics as sung
    section_index: int
    start: float  # beats
    bars: int
    position: int  # the line's position inside its section (0 = first)
    last_in_section: bool


@dataclass(frozen=True)
class Part:
    """A section before it is placed: sung lines, or the bars of an instrumental section."""

    kind: SectionKind
    label: str
    lines: tuple[Line, ...] = ()
    bars: int = 0

    @property
    def length(self) -> int:
        return sum(bars_for_line(line) for line in self.lines) if self.lines else self.bars


def bars_for_line(line: Line) -> int:
    """Two bars hold up to 12 syllables at a singable rate; longer lines get more."""
    syllables = sum(len(w.syllables) for w in line.words)
    return 2 * max(1, math.ceil(syllables / 13))


def plan_form(
    lyrics: Lyrics | None, spec: SongSpec, preset: GenrePreset, rng: random.Random
) -> tuple[tuple[SectionPlan, ...], tuple[LineSlot, ...], Lyrics | None]:
    """Lay out sections, chords and line slots, and return the lyrics as sung (None for an instrumental form)."""
    progressions = preset.progressions_major if spec.key.mode == "major" else preset.progressions_minor
    order = list(range(len(progressions)))
    rng.shuffle(order)
    by_kind = {
        kind: progressions[order[i % len(order)]]
        for i, kind in enumerate(("verse", "chorus", "prechorus", "bridge"))
    }
    by_kind["intro"] = by_kind["chorus"]
    by_kind["outro"] = by_kind["chorus"]
    by_kind["break"] = by_kind["verse"]

    sung: Lyrics | None = None
    if lyrics is None or spec.instrumental:
        parts = _instrumental_parts(spec)
    else:
        parts = _sung_parts(lyrics, spec)
        sung = Lyrics(sections=tuple(Section(p.kind, p.label, p.lines) for p in parts if p.lines), tagged=lyrics.tagged)

    sections: list[SectionPlan] = []
    slots: list[LineSlot] = []
    start = 0.0
    for index, (part, energy) in enumerate(zip(parts, section_energies([p.kind for p in parts]))):
        beat = start
        for position, line in enumerate(part.lines):
            bars = bars_for_line(line)
            slots.append(LineSlot(len(slots), index, beat, bars, position, position == len(part.lines) - 1))
            beat += bars * BEATS_PER_BAR
        chords = progression(by_kind[part.kind], spec.key, start, part.length, BEATS_PER_BAR)
        if part.kind == "outro":
            chords = chords[:-1] + (progression(("I" if spec.key.mode == "major" else "i",), spec.key,
                                                chords[-1].start, 1, BEATS_PER_BAR))
        sections.append(SectionPlan(kind=part.kind, label=part.label, start=start, bars=part.length,
                                    energy=energy, chords=chords, sung=bool(part.lines)))
        start += part.length * BEATS_PER_BAR
    return tuple(sections), tuple(slots), sung


def section_energies(kinds: Sequence[SectionKind]) -> tuple[float, ...]:
    """The band's energy per section, so the song builds: verse 1 the lowest sung section, later verses a little
    higher, pre-choruses rising, choruses high and the last one highest; intro and outro low."""
    last_chorus = max((i for i, kind in enumerate(kinds) if kind == "chorus"), default=-1)
    verses = choruses = 0
    energies = []
    for i, kind in enumerate(kinds):
        energy = ENERGY[kind]
        if kind == "verse":
            energy += VERSE_RISE * min(verses, VERSE_RISES)
            verses += 1
        elif kind == "chorus":
            rise = min(CHORUS_RISE * choruses, (LAST_CHORUS_ENERGY - ENERGY["chorus"]) / 2)
            energy = LAST_CHORUS_ENERGY if i == last_chorus else energy + rise
            choruses += 1
        energies.append(round(energy, 3))
    return tuple(energies)


def _sung_parts(lyrics: Lyrics, spec: SongSpec) -> list[Part]:
    bar_seconds = BEATS_PER_BAR * 60.0 / spec.bpm
    core = _sung_order(lyrics)
    if spec.target_seconds is not None:
        written = [Part(s.kind, s.label, s.lines) for s in lyrics.sections]
        return _fit(written, core, spec.target_seconds, bar_seconds)
    if len(lyrics.lines) <= FOCUSED_LINES:
        return _focused(core, lyrics.tagged, bar_seconds)
    verses = sum(1 for p in core if p.kind == "verse")
    body = core if lyrics.tagged or verses < 2 else next(islice(_growth(core), 2, None))  # ... C, break, C
    return [_instrumental("intro", FULL_EDGE_BARS), *body, _instrumental("outro", FULL_EDGE_BARS)]


def _sung_order(lyrics: Lyrics) -> list[Part]:
    """The writer's order, unless untagged lyrics hold one chorus: then it follows the verses (every second verse
    when there are more than three). In untagged lyrics a long verse before a chorus hands its last lines to a
    pre-chorus."""
    parts = [Part(s.kind, s.label, s.lines) for s in lyrics.sections]
    choruses = [p for p in parts if p.kind == "chorus"]
    if lyrics.tagged:
        return parts
    if len(choruses) != 1:
        return [q for p, after in zip(parts, [*parts[1:], None])
                for q in (_with_prechorus(p) if after is not None and after.kind == "chorus" else [p])]
    chorus = choruses[0]
    verses = [p for p in parts if p.kind != "chorus"]
    order = [chorus] if parts[0] is chorus else []
    every = 1 if len(verses) <= 3 else 2
    for i, verse in enumerate(verses):
        if i == len(verses) - 1 or (i + 1) % every == 0:
            order += [*_with_prechorus(verse), _copy(chorus) if order and any(p is chorus for p in order) else chorus]
        else:
            order.append(verse)
    return order


def _with_prechorus(verse: Part) -> list[Part]:
    if verse.kind != "verse" or len(verse.lines) < 3 * PRECHORUS_LINES:
        return [verse]
    return [replace(verse, lines=verse.lines[:-PRECHORUS_LINES]),
            Part("prechorus", "Pre-Chorus", verse.lines[-PRECHORUS_LINES:])]


def _copy(part: Part) -> Part:
    """The same section sung again, as new lines and words."""
    return replace(part, lines=tuple(replace(line, words=tuple(replace(w) for w in line.words)) for line in part.lines))


def _instrumental(kind: SectionKind, bars: int | None = None) -> Part:
    label = {"intro": "Intro", "outro": "Outro", "break": "Break"}[kind]
    return Part(kind, label, bars=FLEX_BARS[kind][0] if bars is None else bars)


def _growth(core: list[Part]) -> Iterator[list[Part]]:
    """Ever longer forms of the sung order: the chorus again at the end, a break before the last chorus, a double
    last chorus, a solo after the first chorus, then after another break the whole lyric again (a short one) or
    the chorus again, and again."""
    chorus = next((p for p in reversed(core) if p.kind == "chorus"), None)
    body = list(core)
    yield body
    if chorus:
        body = [*body, _copy(chorus)]
        yield body
    last = max((i for i, p in enumerate(body) if p.kind == "chorus"), default=len(body) - 1)
    if last > 0 and body[last - 1].lines:
        body = [*body[:last], _instrumental("break"), *body[last:]]
        yield body
    if chorus:
        body = [*body, _copy(chorus)]
        yield body
    first = next((i for i, p in enumerate(body) if p.kind == "chorus"), None)
    if first is not None and first + 1 < len(body) and body[first + 1].lines:
        body = [*body[:first + 1], _instrumental("break"), *body[first + 1:]]
        yield body
    again = core if chorus is None or sum(p.length for p in core) <= SHORT_LYRIC_BARS else [chorus]
    while True:
        final_break = max((i for i, p in enumerate(body) if not p.lines), default=len(body))
        body = [*body[:final_break], _instrumental("break"), *(_copy(p) for p in again), *body[final_break:]]
        yield body


def _fit(written: list[Part], core: list[Part], seconds: float, bar_seconds: float) -> list[Part]:
    """The first form that reaches `seconds` with comfortable intro, outro and breaks (else the nearest one),
    sized to the bar: the lyrics as written when they are long for the length, then the sung order and its
    growth. Lyrics far too long for the length are all sung with a 2-bar intro and outro."""
    total = _bars_for_seconds(seconds, bar_seconds)
    best: tuple[int, int, list[Part]] | None = None
    for body in chain([written] if len(written) < len(core) else [], _growth(core)):
        parts = [_instrumental("intro"), *body, _instrumental("outro")]
        fixed = sum(p.length for p in parts if p.lines)
        flex = [FLEX_BARS[p.kind] for p in parts if not p.lines]
        low, comfortable, high = (fixed + sum(f[i] for f in flex) for i in range(3))
        if low <= total <= comfortable:
            return _sized(parts, total)
        miss = max(low - total, total - high, 0)
        if best is None or miss < best[0]:
            best = (miss, low, parts)
        if low > total:
            break
    assert best is not None
    _, low, parts = best
    if low * bar_seconds + TAIL_SECONDS > (1 + LENGTH_TOLERANCE) * seconds:
        total = low + 2
    return _sized(parts, total)


def _sized(parts: list[Part], total: int) -> list[Part]:
    """Grow the intro and outro, then the breaks, in turn to even sizes, to their comfortable size and then to their
    largest, until the form is `total` bars; an odd bar left goes to the last section that can take it."""
    bars = [p.length for p in parts]
    flex = sorted((i for i, p in enumerate(parts) if not p.lines), key=lambda i: parts[i].kind == "break")
    extra = total - sum(bars)
    for limit in (1, 2):
        grown = True
        while grown:
            grown = False
            for i in flex:
                step = 1 if bars[i] % 2 else 2
                if step <= extra and bars[i] + step <= FLEX_BARS[parts[i].kind][limit]:
                    bars[i] += step
                    extra -= step
                    grown = True
    for i in sorted(flex, reverse=True):
        if 0 < extra <= FLEX_BARS[parts[i].kind][2] - bars[i]:
            bars[i] += extra
            break
    return [p if p.lines else replace(p, bars=b) for p, b in zip(parts, bars)]


def _focused(core: list[Part], tagged: bool, bar_seconds: float) -> list[Part]:
    """A short lyric as a 20-40 s song: the chorus sung again at the end when it fits (for tagged lyrics only when
    the song is too short without it), with the intro and outro sized to stay in the range."""
    chorus = next((p for p in reversed(core) if p.kind == "chorus"), None)
    bodies = [core] if chorus is None else [[*core, _copy(chorus)], core]
    if tagged:
        bodies.reverse()
    low, high = FOCUSED_SECONDS
    for body in bodies:
        sung = sum(p.length for p in body)
        for intro, outro in FOCUSED_EDGES:
            if low <= (intro + sung + outro) * bar_seconds + TAIL_SECONDS <= high:
                return [_instrumental("intro", intro), *body, _instrumental("outro", outro)]
    return [_instrumental("intro", 1), *core, _instrumental("outro", 1)]


def _instrumental_parts(spec: SongSpec) -> list[Part]:
    """The instrumental form: 8-bar sections in a verse-chorus cycle, sized to the bar so the song file meets the
    length: the bars left over make a 4- or 6-bar break before the last section (after a lone one), or a longer intro; an odd bar
    goes to the outro (a very short form shortens its one section instead)."""
    total = _bars_for_seconds(spec.target_seconds or INSTRUMENTAL_SECONDS, BEATS_PER_BAR * 60.0 / spec.bpm)
    edge = next(bars for bars in (FULL_EDGE_BARS, 2, 1) if total >= 2 * bars + INSTRUMENTAL_SECTION_BARS // 2 or bars == 1)
    count = max(1, (total - 2 * edge) // INSTRUMENTAL_SECTION_BARS)
    body = [Part(kind, label, bars=INSTRUMENTAL_SECTION_BARS) for kind, label in islice(cycle(INSTRUMENTAL_BODY), count)]
    rest = total - 2 * edge - count * INSTRUMENTAL_SECTION_BARS
    intro, outro = edge, edge + rest % 2
    if rest < 0:
        body[-1] = replace(body[-1], bars=max(2, INSTRUMENTAL_SECTION_BARS + rest))
        outro = edge
    elif rest >= FLEX_BARS["break"][0]:
        body.insert(max(1, count - 1), _instrumental("break", rest - rest % 2))
    else:
        intro += rest - rest % 2
    return [Part("intro", "Intro", bars=intro), *body, Part("outro", "Outro", bars=outro)]


def _bars_for_seconds(seconds: float, bar_seconds: float) -> int:
    """Whole bars whose song file (with its tail) lasts closest to `seconds`."""
    return max(1, round((seconds - TAIL_SECONDS) / bar_seconds))
