"""Keys, scales and chord progressions written as roman numerals.

Progressions in the genre presets are roman numerals relative to the key's own scale
(natural minor for minor keys), so one table serves every key.
"""

from __future__ import annotations

import re

from nemo_widgets.engine.model import Chord, Key

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)
_NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_ROMAN = re.compile(r"^(?P<acc>[b#]?)(?P<num>[ivIV]+)(?P<suffix>maj7|7|sus2|sus4|dim|°)?$")


def scale(key: Key) -> tuple[int, ...]:
    """Pitch classes of the key's scale, tonic first."""
    steps = MAJOR_SCALE if key.mode == "major" else MINOR_SCALE
    return tuple((key.tonic + s) % 12 for s in steps)


def chord_from_roman(numeral: str, key: Key, start: float, duration: float) -> Chord:
    """Parse "vi", "IV", "bVII", "V7", "ii7", "Imaj7", "Vsus4" in `key`."""
    match = _ROMAN.match(numeral)
    if not match or match["num"].lower() not in _NUMERALS:
        raise ValueError(f"not a roman numeral chord: {numeral!r}")
    degree = _NUMERALS[match["num"].lower()]
    root = scale(key)[degree]
    root = (root + {"b": -1, "#": 1, "": 0}[match["acc"]]) % 12
    upper = match["num"].isupper()
    suffix = match["suffix"] or ""
    if suffix in ("dim", "°"):
        quality = "dim"
    elif suffix == "maj7":
        quality = "maj7"
    elif suffix == "7":
        quality = "7" if upper else "min7"
    elif suffix in ("sus2", "sus4"):
        quality = suffix
    else:
        quality = "maj" if upper else "min"
    return Chord(root=root, quality=quality, start=start, duration=duration)


def progression(numerals: tuple[str, ...], key: Key, start: float, bars: int, beats_per_bar: int) -> tuple[Chord, ...]:
    """One chord per bar for `bars` bars, cycling the progression."""
    return tuple(
        chord_from_roman(numerals[i % len(numerals)], key, start + i * beats_per_bar, beats_per_bar)
        for i in range(bars)
    )


def chord_at(chords: tuple[Chord, ...], beat: float) -> Chord:
    """The chord sounding at `beat` (the last one before it if `beat` is past the end)."""
    current = chords[0]
    for chord in chords:
        if chord.start <= beat + 1e-9:
            current = chord
        else:
            break
    return current
