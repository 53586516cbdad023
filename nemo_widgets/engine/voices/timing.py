"""Retiming speech to a melody: the vowel on the beat, consonants clear around it.

Works on the model's own tokens (phoneme ids), each labelled with its part of a
syllable, so both voices share one plan: onset consonants just before the note,
the vowel sustained, coda consonants at CONSONANT_STRETCH times their spoken length
capped at CODA_SHARE of the note; the gap token between words keeps up to its natural length (the model
articulates word boundaries with it) and takes any rest as silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Part = Literal["lead", "onset", "nucleus", "coda", "gap", "trail"]

CONSONANT_STRETCH = 1.5  # singers articulate consonants longer than speakers do, and are better understood for it
CODA_SHARE = 0.35
ONSET_SHARE = 0.45  # of the time since the previous note's start
FIRST_ONSET_MAX = 0.3
MIN_VOWEL = 0.04
LEAD_SECONDS = 0.05
TRAIL_SECONDS = 0.12


@dataclass(frozen=True)
class Unit:
    """One model token: which part of which syllable it sounds."""

    part: Part
    syllable: int  # -1 for lead and trail


@dataclass(frozen=True)
class NoteTime:
    start: float  # seconds, where the vowel lands
    end: float
    midi: int


@dataclass(frozen=True)
class TimingPlan:
    seconds: np.ndarray  # target duration of every unit
    start: float  # song time of the first unit
    onsets: tuple[float, ...]  # per syllable: first sound
    vowel_starts: tuple[float, ...]
    vowel_ends: tuple[float, ...]
    ends: tuple[float, ...]  # per syllable: last sound


def plan_timing(units: list[Unit], natural: np.ndarray, notes: list[NoteTime]) -> TimingPlan:
    """Target durations for every unit so syllable k's vowel starts at notes[k].start."""
    n = len(notes)
    nat = {(p, k): 0.0 for k in range(n) for p in ("onset", "nucleus", "coda", "gap")}
    for unit, seconds in zip(units, natural):
        if unit.syllable >= 0:
            stretch = CONSONANT_STRETCH if unit.part in ("onset", "coda") else 1.0
            nat[(unit.part, unit.syllable)] += float(seconds) * stretch
    onset = []
    for k, note in enumerate(notes):
        room = FIRST_ONSET_MAX if k == 0 else ONSET_SHARE * (note.start - notes[k - 1].start)
        onset.append(min(nat[("onset", k)], room))
    gap_owner = {u.syllable for u in units if u.part == "gap"}
    length: dict[tuple[str, int], float] = {}
    for k, note in enumerate(notes):
        region_end = note.end if k == n - 1 else min(note.end, notes[k + 1].start - onset[k + 1])
        region = max(region_end - note.start, MIN_VOWEL)
        coda = min(nat[("coda", k)], CODA_SHARE * region)
        vowel = max(region - coda, MIN_VOWEL)
        silence = 0.0 if k == n - 1 else max(0.0, notes[k + 1].start - onset[k + 1] - (note.start + region))
        if k in gap_owner:
            borrowed = max(0.0, min(nat[("gap", k)], vowel - MIN_VOWEL) - silence)
            vowel -= borrowed
            length[("gap", k)] = silence + borrowed
        else:
            coda += silence
        length[("onset", k)] = onset[k]
        length[("nucleus", k)] = vowel
        length[("coda", k)] = coda

    seconds = np.zeros(len(units))
    members: dict[tuple[str, int], list[int]] = {}
    for i, unit in enumerate(units):
        members.setdefault((unit.part, unit.syllable), []).append(i)
    for key, idx in members.items():
        part, k = key
        total = {"lead": LEAD_SECONDS, "trail": TRAIL_SECONDS}.get(part, length.get(key, 0.0))
        weights = np.asarray([max(float(natural[i]), 1e-3) for i in idx])
        seconds[idx] = total * weights / weights.sum()

    start = notes[0].start - onset[0] - seconds[[i for i, u in enumerate(units) if u.part == "lead"]].sum()
    ends = np.cumsum(seconds) + start
    begins = ends - seconds

    def span(k: int, parts: tuple[str, ...]) -> tuple[float, float]:
        idx = [i for p in parts for i in members.get((p, k), [])]
        return float(begins[min(idx)]), float(ends[max(idx)])

    spans = [span(k, ("onset", "nucleus", "coda")) for k in range(n)]
    vowels = [span(k, ("nucleus",)) for k in range(n)]
    return TimingPlan(seconds, float(start), tuple(s for s, _ in spans), tuple(v for v, _ in vowels),
                      tuple(e for _, e in vowels), tuple(e for _, e in spans))


def to_frames(seconds: np.ndarray, frame_seconds: float) -> np.ndarray:
    """Durations in whole frames, rounding the running total so no error accumulates."""
    edges = np.rint(np.cumsum(seconds) / frame_seconds).astype(np.int64)
    return np.diff(np.concatenate([[0], edges]))
