"""The engine's shared vocabulary: lyrics, song spec, arrangement and sung phrases.

Every stage of the pipeline hands one of these frozen dataclasses to the next, so a
stage can be tested on its own and swapped without touching the others.
Times in an arrangement are in beats; `Arrangement.seconds` converts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

SectionKind = Literal["intro", "verse", "prechorus", "chorus", "bridge", "break", "outro"]  # break: instrumental, between sung sections
VoiceName = Literal["female", "male"]
Mode = Literal["major", "minor"]

SAMPLE_RATE = 44_100
PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


@dataclass(frozen=True)
class Syllable:
    """One sung syllable: the slice of the word's spelling it covers and its sounds."""

    text: str
    phonemes: tuple[str, ...]  # ARPAbet, stress digits removed, e.g. ("S", "AH")
    stress: int  # 0 unstressed, 1 primary, 2 secondary


@dataclass(frozen=True)
class Word:
    """A token as the user typed it (`display`) and as it is sung (`text`).

    "24" is displayed as "24" and sung as "twenty-four"; "&" is sung as "and".
    Punctuation stays in `display` only.
    """

    display: str
    text: str
    syllables: tuple[Syllable, ...]


@dataclass(frozen=True)
class Line:
    display: str  # the line exactly as written, emoji included
    words: tuple[Word, ...]  # only the singable tokens, in order


@dataclass(frozen=True)
class Section:
    kind: SectionKind
    label: str  # "Verse 2", "Chorus"
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Lyrics:
    sections: tuple[Section, ...]
    tagged: bool = False  # the writer named the sections, so the form keeps their order

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for s in self.sections for line in s.lines)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for line in self.lines for w in line.words)


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class, 0 = C
    mode: Mode

    def __str__(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"


@dataclass(frozen=True)
class SongSpec:
    """What the user asked for, after defaults from the genre preset were applied."""

    genre: str  # a key of genres.PRESETS
    mood: str  # "upbeat", "melancholic", "chill", "energetic", "romantic", "dark", "hopeful", "neutral"
    bpm: float
    key: Key
    voice: VoiceName
    instrumental: bool
    target_seconds: float | None  # None: let the lyrics decide
    seed: int
    prompt: str = ""


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    quality: str  # "maj", "min", "dim", "sus2", "sus4", "7", "maj7", "min7"
    start: float  # beats from the song's start
    duration: float  # beats

    def pitch_classes(self) -> tuple[int, ...]:
        return tuple((self.root + i) % 12 for i in CHORD_INTERVALS[self.quality])


CHORD_INTERVALS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
}


@dataclass(frozen=True)
class SectionPlan:
    """One section of the arranged song, instrumental ones (intro, outro) included."""

    kind: SectionKind
    label: str
    start: float  # beats
    bars: int
    energy: float  # 0..1: how busy and loud the band plays
    chords: tuple[Chord, ...]
    sung: bool

    def end(self, beats_per_bar: int) -> float:
        return self.start + self.bars * beats_per_bar


@dataclass(frozen=True)
class VocalNote:
    """One syllable on one note. `start` is where the vowel lands (the beat);
    onset consonants are sung just before it."""

    word_index: int  # index into Lyrics.words
    syllable_index: int  # index into that word's syllables
    text: str  # the syllable's display text
    start: float  # beats
    duration: float  # beats
    midi: int


@dataclass(frozen=True)
class Phrase:
    """One lyric line as sung: exactly one note per syllable, in order."""

    line_index: int  # index into Lyrics.lines
    section_index: int  # index into Arrangement.sections
    notes: tuple[VocalNote, ...]


@dataclass(frozen=True)
class Arrangement:
    """The full score of the song: form, harmony, the sung melody and where it sits."""

    spec: SongSpec
    lyrics: Lyrics
    bpm: float
    beats_per_bar: int
    sections: tuple[SectionPlan, ...]
    phrases: tuple[Phrase, ...]

    def seconds(self, beats: float) -> float:
        return beats * 60.0 / self.bpm

    @property
    def total_beats(self) -> float:
        last = self.sections[-1]
        return last.end(self.beats_per_bar)

    @property
    def duration_seconds(self) -> float:
        return self.seconds(self.total_beats)

    @property
    def notes(self) -> tuple[VocalNote, ...]:
        return tuple(n for p in self.phrases for n in p.notes)


@dataclass(frozen=True)
class SungPhrase:
    """A phrase rendered by a singer: mono audio at SAMPLE_RATE placed at `start` seconds,
    and the actual onset (first sound, consonants included) and end of each syllable."""

    start: float  # seconds in the song where audio[0] belongs
    audio: npt.NDArray[np.float32]  # mono
    syllable_onsets: tuple[float, ...]  # seconds, one per note of the phrase
    syllable_ends: tuple[float, ...]
