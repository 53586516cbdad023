"""Drum patterns per groove family (several variants each, the seed picks one), played by section energy, with
crashes, fills into sections, snare-roll risers into choruses, trap hat rolls and a final hit.

Patterns are sixteen sixteenth-note steps per bar: `X` accent, `x` hit, `o` ghost note.
"""

from __future__ import annotations

import random

from nemo_widgets.engine.band.events import DRUM_CHANNEL, NoteEvent, swung, swung16
from nemo_widgets.engine.band.roles import SectionRole, level
from nemo_widgets.engine.genres import GenrePreset
from nemo_widgets.engine.model import Arrangement

KICK, SNARE, RIM, CLAP, HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE, TAMBOURINE = 36, 38, 37, 39, 42, 44, 46, 49, 51, 54
CRASH_2 = 57
TOMS = (50, 47, 45, 43)
VELOCITY = {"X": 112, "x": 92, "o": 48}
EIGHTHS, SIXTEENTHS, OFFBEATS = "x.x.x.x.x.x.x.x.", "xxxxxxxxxxxxxxxx", "..x...x...x...x."
BACKBEAT, HALF_BACKBEAT = "....X.......X...", "........X......."
RISER_PROGRAM, RISER_CHANNEL, RISER_PITCH = 119, 15, 60  # GM Reverse Cymbal: at C4 it swells for 1.35 s
RISER_SECONDS = 1.35

Pattern = dict[int, str]
Groove = dict[str, Pattern]  # "low", "mid", "high"
GROOVES: dict[str, tuple[Groove, ...]] = {
    "pop": (
        {"low": {KICK: "X.......x.......", HAT: EIGHTHS},
         "mid": {KICK: "X.......X.x.....", SNARE: BACKBEAT, CLAP: BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X.....x.X.x.....", SNARE: BACKBEAT, CLAP: BACKBEAT, HAT: SIXTEENTHS, OPEN_HAT: "..............x."}},
        {"low": {KICK: "X...............", CLAP: HALF_BACKBEAT, HAT: "x...x...x...x..."},
         "mid": {KICK: "X...X...X...X...", CLAP: BACKBEAT, HAT: OFFBEATS},
         "high": {KICK: "X...X...X...X...", SNARE: BACKBEAT, CLAP: BACKBEAT, OPEN_HAT: OFFBEATS, HAT: "x.xxx.xxx.xxx.xx"}},
        {"low": {KICK: "X.........x.....", HAT: EIGHTHS},
         "mid": {KICK: "X.....x...x.....", CLAP: BACKBEAT, HAT: EIGHTHS, TAMBOURINE: OFFBEATS},
         "high": {KICK: "X.....x...x...x.", SNARE: BACKBEAT, CLAP: BACKBEAT, HAT: SIXTEENTHS, TAMBOURINE: EIGHTHS}},
    ),
    "rock": (
        {"low": {KICK: "X.......X.......", HAT: EIGHTHS},
         "mid": {KICK: "X.....x.X.......", SNARE: BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X.x...x.X.x.....", SNARE: "....X.......X..o", OPEN_HAT: EIGHTHS}},
        {"low": {KICK: "X...............", RIDE: "x...x...x...x..."},
         "mid": {KICK: "X.X.....X.X.....", SNARE: BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X.X.X.X.X.X.X.X.", SNARE: BACKBEAT, RIDE: EIGHTHS}},
        {"low": {KICK: "X.......x.x.....", HAT: "x.x.x.x.x.x.x.xo"},
         "mid": {KICK: "X.....x...x.....", SNARE: "....X..o....X...", HAT: EIGHTHS},
         "high": {KICK: "X.....x.X.x...x.", SNARE: "....X..o....X...", CRASH_2: "x...x...x...x..."}},
    ),
    "ballad": (
        {"low": {RIDE: "x.......x......."},
         "mid": {KICK: "X.......x.......", RIM: "....x.......x...", HAT: "x...x...x...x..."},
         "high": {KICK: "X.......X.x.....", SNARE: BACKBEAT, HAT: EIGHTHS}},
        {"low": {},
         "mid": {KICK: "X.........x.....", RIM: HALF_BACKBEAT, RIDE: "x...x...x...x..."},
         "high": {KICK: "X.......X.x.....", SNARE: HALF_BACKBEAT, RIDE: EIGHTHS}},
    ),
    "boombap": (
        {"low": {KICK: "X.........x.....", HAT: EIGHTHS},
         "mid": {KICK: "X.....x...x.....", SNARE: BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X.....x...x..x..", SNARE: "....X..o....X...", HAT: "x.x.x.x.x.x.x.xo", OPEN_HAT: "..............x."}},
        {"low": {KICK: "X.......x.......", RIM: BACKBEAT},
         "mid": {KICK: "X......xx.......", RIM: BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X......xx.x.....", SNARE: BACKBEAT, HAT: "xox.xox.xox.xox."}},
    ),
    "four_on_floor": (
        {"low": {KICK: "x...x...x...x...", HAT: OFFBEATS},
         "mid": {KICK: "X...X...X...X...", CLAP: BACKBEAT, OPEN_HAT: OFFBEATS},
         "high": {KICK: "X...X...X...X...", CLAP: BACKBEAT, OPEN_HAT: OFFBEATS, HAT: "xxoxxxoxxxoxxxox"}},
        {"low": {KICK: "x...x...x...x...", PEDAL_HAT: OFFBEATS},
         "mid": {KICK: "X...X...X...X...", CLAP: BACKBEAT, HAT: OFFBEATS, TAMBOURINE: EIGHTHS},
         "high": {KICK: "X...X...X...X...", CLAP: BACKBEAT, SNARE: BACKBEAT, OPEN_HAT: OFFBEATS, RIDE: SIXTEENTHS}},
    ),
    "trap": (
        {"low": {KICK: "X...............", HAT: EIGHTHS},
         "mid": {KICK: "X.....x...x.....", CLAP: HALF_BACKBEAT, HAT: SIXTEENTHS},
         "high": {KICK: "X.....x.x.x...x.", CLAP: HALF_BACKBEAT, HAT: SIXTEENTHS, OPEN_HAT: "......x........."}},
        {"low": {KICK: "X.........x.....", HAT: "x...x...x...x..."},
         "mid": {KICK: "X.......xx......", SNARE: HALF_BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X..x....xx....x.", SNARE: HALF_BACKBEAT, CLAP: HALF_BACKBEAT, HAT: SIXTEENTHS}},
    ),
    "folk": (
        {"low": {KICK: "X.......x.......", TAMBOURINE: OFFBEATS},
         "mid": {KICK: "X.......x.......", RIM: BACKBEAT, TAMBOURINE: OFFBEATS},
         "high": {KICK: "X.....x.X.......", SNARE: BACKBEAT, TAMBOURINE: EIGHTHS, HAT: OFFBEATS}},
        {"low": {TAMBOURINE: "x...x...x...x..."},
         "mid": {KICK: "X...x...X...x...", RIM: BACKBEAT, HAT: EIGHTHS},
         "high": {KICK: "X...x...X...x...", SNARE: BACKBEAT, TAMBOURINE: EIGHTHS, CLAP: BACKBEAT}},
    ),
    "rnb": (
        {"low": {KICK: "X.........x.....", HAT: EIGHTHS},
         "mid": {KICK: "X......x..x.....", SNARE: BACKBEAT, HAT: SIXTEENTHS, RIM: "...o......o....."},
         "high": {KICK: "X......x..x...x.", SNARE: "....X..o....X...", HAT: "xxoxxxoxxxoxxxox", OPEN_HAT: "..............x."}},
        {"low": {KICK: "X..........x....", RIM: HALF_BACKBEAT, HAT: EIGHTHS},
         "mid": {KICK: "X..x.......x....", SNARE: HALF_BACKBEAT, HAT: SIXTEENTHS},
         "high": {KICK: "X..x...x...x..x.", SNARE: HALF_BACKBEAT, CLAP: HALF_BACKBEAT, HAT: "xoxoxoxoxoxoxoxo"}},
    ),
}
HUMANIZE = {"rock": 0.012, "ballad": 0.01, "folk": 0.008, "boombap": 0.008}  # beats of timing spread (live feel)
CRASH_EVERY = {"rock": 2, "pop": 4, "four_on_floor": 4}  # bars between crash accents at full energy


def drum_events(arr: Arrangement, preset: GenrePreset, roles: tuple[SectionRole, ...], kit: int,
                rng: random.Random) -> list[NoteEvent]:
    """Every drum hit of the song, and the risers into choruses."""
    groove = GROOVES[preset.groove][rng.randrange(len(GROOVES[preset.groove]))]
    spread = HUMANIZE.get(preset.groove, 0.0)
    bpb = arr.beats_per_bar
    events: list[NoteEvent] = []
    energy = 1.0  # the section's energy, which `hit` plays at

    def hit(note: int, beat: float, mark: str, loose: bool = True) -> None:
        """One drum hit; `loose` hits get the groove's human timing spread, section downbeats land exactly."""
        jitter = rng.uniform(-spread, spread) if spread and loose and beat > 0 else 0.0
        velocity = max(20, min(127, int(VELOCITY[mark] * (0.6 + 0.45 * energy)) + rng.randint(-8, 8)))
        events.append(NoteEvent("Drums", DRUM_CHANNEL, kit, max(0.0, beat + jitter), 0.25, note, velocity))

    for index, (section, role) in enumerate(zip(arr.sections, roles)):
        pattern = groove[level(role.energy)]
        energy = role.energy
        end = section.end(bpb)
        roll_from = max(section.start, end - (2 * bpb if role.drop_next else bpb)) if role.build else end
        fill_from = end - 1 if not role.build and role.energy >= 0.5 and not role.final else end
        stop = min(end - bpb if role.build or role.final else end, fill_from)
        for bar in range(section.bars):
            bar_start = section.start + bar * bpb
            for note, steps in pattern.items():
                for step, mark in enumerate(steps):
                    beat = bar_start + step / 4
                    if mark == "." or beat >= stop:
                        continue
                    hit(note, swung(swung16(beat, preset.swing16), preset.swing), _soften(mark, role.energy))
            if preset.groove == "trap" and level(role.energy) != "low" and bar % 2 == 1 and bar_start + 4 <= stop:
                _hat_roll(hit, bar_start + 3, rng)
            crash_every = CRASH_EVERY.get(preset.groove)
            if crash_every and level(role.energy) == "high" and bar % crash_every == 0 and 0 < bar and bar_start < stop:
                hit(CRASH, bar_start, "x")
        if role.build:
            _snare_roll(hit, roll_from, end - role.gap, role.drop_next)
            events.append(_riser(arr, end))
        elif fill_from < end:
            for i in range(4):
                hit(TOMS[i] if preset.groove in ("rock", "pop", "ballad", "rnb") else SNARE, fill_from + i / 4,
                    "x" if i < 3 else "X")
        if index > 0:
            hit(CRASH, section.start, "X" if role.energy > 0.6 else "x", loose=False)
            if role.drop or section.kind == "chorus":
                hit(KICK, section.start, "X", loose=False)
        if role.final:
            energy = 1.0
            for note in (CRASH, CRASH_2, KICK):
                hit(note, end - bpb, "X", loose=False)
    return events


def _soften(mark: str, energy: float) -> str:
    """Quiet sections play accents as plain hits."""
    return "x" if mark == "X" and energy < 0.45 else mark


def _hat_roll(hit, beat: float, rng: random.Random) -> None:
    """A trap hi-hat roll over one beat: 32nd notes or sixteenth triplets, rising in velocity."""
    division = rng.choice((8, 6))
    for i in range(division):
        hit(HAT, beat + i / division, "x" if i >= division // 2 else "o")


def _snare_roll(hit, start: float, end: float, accelerate: bool) -> None:
    """A crescendo roll into the chorus: sixteenths (an EDM build speeds from eighths to 32nds)."""
    beats = end - start
    if beats <= 0:
        return
    beat = start
    while beat < end - 1e-9:
        progress = (beat - start) / beats
        step = (0.5 if progress < 0.5 else 0.25 if progress < 0.85 else 0.125) if accelerate else 0.25
        hit(SNARE, beat, "X" if progress > 0.75 else ("x" if progress > 0.35 else "o"))
        beat += step


def _riser(arr: Arrangement, chorus_start: float) -> NoteEvent:
    """A reverse cymbal swelling into the chorus's first beat."""
    length = min(RISER_SECONDS * arr.bpm / 60.0, 4.0, chorus_start)
    return NoteEvent("Riser", RISER_CHANNEL, RISER_PROGRAM, chorus_start - length, length, RISER_PITCH, 100)
