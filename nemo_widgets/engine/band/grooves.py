"""Drum patterns per groove family, varied by section energy, with crashes and fills at section edges.

Patterns are sixteen sixteenth-note steps per bar: `X` accent, `x` hit, `o` ghost note.
"""

from __future__ import annotations

import random

from nemo_widgets.engine.band.events import DRUM_CHANNEL, NoteEvent, swung
from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.model import Arrangement, SectionPlan

KICK, SNARE, RIM, CLAP, HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE, TAMBOURINE = 36, 38, 37, 39, 42, 44, 46, 49, 51, 54
TOMS = (50, 47, 45, 43)
VELOCITY = {"X": 112, "x": 92, "o": 48}

Pattern = dict[int, str]
GROOVES: dict[str, dict[str, Pattern]] = {
    "backbeat": {
        "low": {KICK: "X.......x.......", HAT: "x.x.x.x.x.x.x.x."},
        "mid": {KICK: "X.......X.x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
        "high": {KICK: "X.....x.X.x.....", SNARE: "....X.......X..o", HAT: "xxxxxxxxxxxxxxxx", OPEN_HAT: "..............x."},
    },
    "four_on_floor": {
        "low": {KICK: "X...x...x...x...", HAT: "..x...x...x...x."},
        "mid": {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN_HAT: "..x...x...x...x."},
        "high": {KICK: "X...X...X...X...", CLAP: "....X.......X...", OPEN_HAT: "..x...x...x...x.", HAT: "xxoxxxoxxxoxxxox"},
    },
    "halftime": {
        "low": {KICK: "X...............", HAT: "x...x...x...x..."},
        "mid": {KICK: "X.........x.....", SNARE: "........X.......", HAT: "x.x.x.x.x.x.x.x."},
        "high": {KICK: "X.....x...x.....", SNARE: "........X.......", HAT: "xxxxxxxxxxxxxxxx"},
    },
    "boombap": {
        "low": {KICK: "X.........x.....", HAT: "x.x.x.x.x.x.x.x."},
        "mid": {KICK: "X.....x...x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
        "high": {KICK: "X.....x...x..x..", SNARE: "....X..o....X...", HAT: "x.x.x.x.x.x.x.xo", OPEN_HAT: "..............x."},
    },
    "trap": {
        "low": {KICK: "X...............", HAT: "x.x.x.x.x.x.x.x."},
        "mid": {KICK: "X.....x...x.....", CLAP: "........X.......", HAT: "xxxxxxxxxxxxxxxx"},
        "high": {KICK: "X.....x.x.x...x.", CLAP: "........X.......", HAT: "xxxxxxxxxxxxxxxx", OPEN_HAT: "......x........."},
    },
    "ballad": {
        "low": {RIDE: "x...x...x...x..."},
        "mid": {KICK: "X.......x.......", RIM: "....x.......x...", HAT: "x...x...x...x..."},
        "high": {KICK: "X.......X.x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x."},
    },
    "folk": {
        "low": {KICK: "X.......x.......", TAMBOURINE: "..x...x...x...x."},
        "mid": {KICK: "X.......x.......", RIM: "....x.......x...", TAMBOURINE: "..x...x...x...x."},
        "high": {KICK: "X.....x.X.......", SNARE: "....X.......X...", TAMBOURINE: "x.x.x.x.x.x.x.x.", HAT: "..x...x...x...x."},
    },
    "rnb": {
        "low": {KICK: "X.........x.....", HAT: "x.x.x.x.x.x.x.x."},
        "mid": {KICK: "X......x..x.....", SNARE: "....X.......X...", HAT: "x.x.x.x.x.x.x.x.", RIM: "...o......o....."},
        "high": {KICK: "X......x..x...x.", SNARE: "....X..o....X...", HAT: "xxoxxxoxxxoxxxox", OPEN_HAT: "..............x."},
    },
}


def drum_events(arr: Arrangement, preset: GenrePreset, rng: random.Random) -> list[NoteEvent]:
    """Every drum hit of the song."""
    grooves = GROOVES[preset.groove]
    events: list[NoteEvent] = []
    bpb = arr.beats_per_bar
    for index, section in enumerate(arr.sections):
        pattern = grooves[section_level(section)]
        last_bar = section.bars - 1
        fill = section.energy >= 0.5 and index < len(arr.sections) - 1
        for bar in range(section.bars):
            bar_start = section.start + bar * bpb
            for note, steps in pattern.items():
                for step, mark in enumerate(steps):
                    if mark == "." or (fill and bar == last_bar and step >= 12):
                        continue
                    events.append(_hit(preset, note, swung(bar_start + step / 4, preset.swing), mark, rng))
            if fill and bar == last_bar:
                events.extend(_fill(preset, bar_start + 3, rng))
        if index > 0:
            events.append(_hit(preset, CRASH, section.start, "X" if section.energy > 0.6 else "x", rng))
    final = arr.sections[-1]
    events.append(_hit(preset, CRASH, final.end(bpb) - bpb, "x", rng))
    events.append(_hit(preset, KICK, final.end(bpb) - bpb, "X", rng))
    return events


def _hit(preset: GenrePreset, note: int, beat: float, mark: str, rng: random.Random) -> NoteEvent:
    velocity = max(20, min(127, VELOCITY[mark] + rng.randint(-6, 6)))
    return NoteEvent("Drums", DRUM_CHANNEL, preset.drum_kit, beat, 0.25, note, velocity)


def _fill(preset: GenrePreset, beat: float, rng: random.Random) -> list[NoteEvent]:
    """The last beat of a section: four sixteenths down the toms (snare for lighter grooves)."""
    voices = TOMS if preset.groove in ("backbeat", "halftime", "ballad", "rnb") else (SNARE,) * 4
    return [_hit(preset, voices[i], beat + i / 4, "x" if i < 3 else "X", rng) for i in range(4)]


def section_level(section: SectionPlan) -> str:
    """How hard the band plays: intro and outro low, verses mid, choruses high."""
    return "low" if section.energy < 0.45 else ("high" if section.energy > 0.8 else "mid")
