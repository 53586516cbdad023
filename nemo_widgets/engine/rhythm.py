"""Where each syllable of a line falls: stressed syllables on strong beats.

Dynamic programming over an eighth-note grid: the cost of a placement weighs the
syllable's stress against the metrical weight of its position and keeps the spacing
natural (syllables of one word close together, rests between words allowed). Long notes
go to stressed syllables, not to "the" or "-ing"; a legato line (chorus, bridge) holds its
stressed syllables longer, and one syllable may be asked to be held (the chorus hook).
A seeded jitter on the costs gives another seed another, equally valid, rhythm.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

EIGHTHS_PER_BAR = 8
PICKUP = 2  # eighths a line may start before its first bar, for unstressed lead-in syllables

_STRESSED = {4: 0.0, 3: 0.3, 2: 1.2, 1: 3.0}
_SECONDARY = {4: 0.2, 3: 0.2, 2: 0.5, 1: 1.5}
_UNSTRESSED = {4: 1.2, 3: 0.8, 2: 0.4, 1: 0.0}
_GAP_IN_WORD = {1: 0.0, 2: 0.5, 3: 1.2, 4: 2.0}
_GAP_BETWEEN_WORDS = {1: 0.25, 2: 0.0, 3: 0.35, 4: 0.6, 5: 1.4, 6: 1.6}
UNSTRESSED_HELD = 0.6  # cost of holding an unstressed syllable for 3 eighths or more
LEGATO_SHORT = 0.3  # cost, in a legato line, of a stressed syllable shorter than 3 eighths
HELD = (3, 4)  # eighths a held syllable lasts
UNHELD_HOLD = 6.0  # cost of not holding the syllable asked to be held: it gives way only if the line cannot fit


@dataclass(frozen=True)
class SyllableSlot:
    stress: int
    word_start: bool  # first syllable of its word


@dataclass(frozen=True)
class Placement:
    """Start and length of each syllable in eighths from the line's first bar."""

    starts: tuple[int, ...]
    lengths: tuple[int, ...]


def metrical_weight(eighth: int) -> int:
    if eighth % 8 == 0:
        return 4
    if eighth % 4 == 0:
        return 3
    if eighth % 2 == 0:
        return 2
    return 1


def place_syllables(
    syllables: list[SyllableSlot], bars: int, rng: random.Random, *, legato: bool = False, hold: int | None = None
) -> Placement:
    """Choose grid positions for the syllables of one line inside `bars` bars; `hold` is held for HELD eighths."""
    n = len(syllables)
    grid = bars * EIGHTHS_PER_BAR
    lo = -PICKUP if syllables[0].stress == 0 else 0
    hi = grid - 4  # the last note starts a beat and more before the slot ends
    if n > hi - lo + 1:
        raise ValueError(f"{n} syllables do not fit in {bars} bars")
    positions = range(lo, hi + 1)
    jitter = {(i, p): rng.random() * 0.35 for i in range(n) for p in positions}

    def place_cost(i: int, p: int) -> float:
        table = {0: _UNSTRESSED, 1: _STRESSED}.get(syllables[i].stress, _SECONDARY)
        cost = table[metrical_weight(p)] + jitter[(i, p)]
        if p < 0 and syllables[i].stress > 0:
            cost += 5.0
        return cost

    def gap_cost(i: int, gap: int) -> float:
        table = _GAP_BETWEEN_WORDS if syllables[i].word_start else _GAP_IN_WORD
        cost = table.get(gap, 4.0 + gap * 0.5)
        before = syllables[i - 1].stress
        if before == 0 and gap >= HELD[0]:
            cost += UNSTRESSED_HELD
        if legato and before == 1 and gap < HELD[0]:
            cost += LEGATO_SHORT
        if i - 1 == hold and gap not in HELD:
            cost += UNHELD_HOLD
        return cost

    inf = float("inf")
    best: list[dict[int, float]] = [{p: place_cost(0, p) + (0.0 if p <= 0 else 0.4 * p) for p in positions}]
    back: list[dict[int, int]] = [{}]
    for i in range(1, n):
        row: dict[int, float] = {}
        links: dict[int, int] = {}
        for p in positions:
            if p - lo < i or hi - p < n - 1 - i:
                continue
            choice, value = -1, inf
            for q, prev in best[i - 1].items():
                if q < p and prev < inf:
                    total = prev + gap_cost(i, p - q)
                    if total < value:
                        choice, value = q, total
            if value < inf:
                row[p] = value + place_cost(i, p)
                links[p] = choice
        best.append(row)
        back.append(links)
    end = min(best[-1], key=lambda p: best[-1][p] + 0.25 * max(0, grid // 2 - p) / 2)
    starts = [end]
    for i in range(n - 1, 0, -1):
        starts.append(back[i][starts[-1]])
    starts.reverse()
    lengths = []
    for i in range(n):
        if i + 1 < n:
            gap = starts[i + 1] - starts[i]
            lengths.append(gap if gap <= HELD[-1] or not syllables[i + 1].word_start else 2)
        else:
            lengths.append(max(1, min(4, grid - 2 - starts[i])))
    return Placement(tuple(starts), tuple(lengths))
