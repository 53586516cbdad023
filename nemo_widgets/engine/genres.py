"""Genre presets: each genre's tempo, groove, harmony, band and mix in one place.

Spec parsing reads the tempo range and default mode, composition the progressions,
the band its grooves and General MIDI programs, the mixer its levels and reverb.
"""

from __future__ import annotations

from dataclasses import dataclass

from nemo_widgets.engine.model import Mode


@dataclass(frozen=True)
class Instrument:
    program: int  # General MIDI program, 0-based
    volume: float  # 0..1 relative level in the band


@dataclass(frozen=True)
class GenrePreset:
    name: str
    aliases: tuple[str, ...]  # words in a prompt that select this genre
    tempo_range: tuple[int, int]
    default_bpm: int
    default_mode: Mode
    swing: float  # 0 straight, 0.33 full triplet swing of eighth notes
    groove: str  # drum pattern family: "four_on_floor", "backbeat", "halftime", "boombap", "trap", "ballad", "folk", "rnb"
    progressions_major: tuple[tuple[str, ...], ...]  # roman numerals, one chord per bar
    progressions_minor: tuple[tuple[str, ...], ...]
    chord_rhythm: str  # "sustain", "strum", "stabs", "arpeggio", "offbeat", "comp"
    bass_style: str  # "root_eighths", "root_fifth", "octaves", "walking", "sub_808", "syncopated"
    bass: Instrument
    chords: Instrument
    pad: Instrument | None
    counter: Instrument | None  # counter-line between vocal phrases
    drum_kit: int  # GM drum kit program on channel 10 (0 standard, 8 room, 16 power, 24 electronic, 25 TR-808, 32 jazz)
    reverb: float  # 0..1 wet amount for the vocal and the band
    vocal_level_db: float  # the voice over the band while it sings (the band ducked under it), dB
    lofi: bool = False  # low-pass and noise on the band
    vocal_space_db: float = 0.0  # extra cut of the band's 1-4 kHz for the voice (dense, distorted bands need more)


def _p(*rows: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r.split()) for r in rows)


PRESETS: dict[str, GenrePreset] = {
    p.name: p
    for p in (
        GenrePreset(
            name="pop", aliases=("pop", "synth-pop", "synthpop", "dance-pop", "k-pop", "kpop", "catchy"),
            tempo_range=(96, 128), default_bpm=116, default_mode="major", swing=0.0, groove="backbeat",
            progressions_major=_p("I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi"),
            progressions_minor=_p("i VI III VII", "i VII VI VII", "VI VII i i"),
            chord_rhythm="stabs", bass_style="root_eighths",
            bass=Instrument(38, 0.8), chords=Instrument(0, 0.6), pad=Instrument(89, 0.35), counter=Instrument(80, 0.35),
            drum_kit=0, reverb=0.25, vocal_level_db=9,
        ),
        GenrePreset(
            name="rock", aliases=("rock", "punk", "grunge", "indie rock", "alt rock", "alternative", "guitar"),
            tempo_range=(100, 150), default_bpm=126, default_mode="major", swing=0.0, groove="backbeat",
            progressions_major=_p("I IV V IV", "I V IV IV", "I bVII IV I", "vi IV I V"),
            progressions_minor=_p("i VII VI VII", "i iv VII III", "i VI VII i"),
            chord_rhythm="strum", bass_style="root_eighths",
            bass=Instrument(33, 0.85), chords=Instrument(29, 0.7), pad=None, counter=Instrument(30, 0.3),
            drum_kit=16, reverb=0.18, vocal_level_db=10, vocal_space_db=8.0,
        ),
        GenrePreset(
            name="ballad", aliases=("ballad", "piano ballad", "love song", "slow song", "power ballad"),
            tempo_range=(60, 84), default_bpm=72, default_mode="major", swing=0.0, groove="ballad",
            progressions_major=_p("I vi IV V", "I iii IV V", "vi IV I V", "I IV vi V"),
            progressions_minor=_p("i VI III VII", "i iv VI V", "i VI iv V"),
            chord_rhythm="arpeggio", bass_style="root_fifth",
            bass=Instrument(32, 0.7), chords=Instrument(0, 0.75), pad=Instrument(48, 0.4), counter=Instrument(40, 0.3),
            drum_kit=0, reverb=0.4, vocal_level_db=10,
        ),
        GenrePreset(
            name="lofi", aliases=("lo-fi", "lofi", "lo fi", "chillhop", "study beats", "jazzy"),
            tempo_range=(70, 90), default_bpm=82, default_mode="major", swing=0.2, groove="boombap",
            progressions_major=_p("IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 vi7"),
            progressions_minor=_p("i7 iv7 VIImaj7 IIImaj7", "i7 VImaj7 iv7 v7"),
            chord_rhythm="comp", bass_style="root_fifth",
            bass=Instrument(32, 0.75), chords=Instrument(4, 0.65), pad=None, counter=Instrument(11, 0.3),
            drum_kit=8, reverb=0.3, vocal_level_db=12, lofi=True,
        ),
        GenrePreset(
            name="edm", aliases=("edm", "house", "techno", "trance", "electronic", "dance", "club", "future bass"),
            tempo_range=(120, 132), default_bpm=126, default_mode="minor", swing=0.0, groove="four_on_floor",
            progressions_major=_p("vi IV I V", "I V vi IV", "IV V vi vi"),
            progressions_minor=_p("i VI III VII", "VI VII i i", "i iv VI VII"),
            chord_rhythm="offbeat", bass_style="octaves",
            bass=Instrument(38, 0.85), chords=Instrument(81, 0.5), pad=Instrument(90, 0.4), counter=Instrument(80, 0.3),
            drum_kit=24, reverb=0.3, vocal_level_db=8.5,
        ),
        GenrePreset(
            name="hiphop", aliases=("hip-hop", "hip hop", "hiphop", "rap", "trap", "boom bap", "drill"),
            tempo_range=(80, 100), default_bpm=90, default_mode="minor", swing=0.12, groove="trap",
            progressions_major=_p("vi IV I V", "I vi IV V", "ii V I vi"),
            progressions_minor=_p("i VI i VII", "i iv i VI", "i VI III VII"),
            chord_rhythm="sustain", bass_style="sub_808",
            bass=Instrument(38, 0.9), chords=Instrument(4, 0.5), pad=Instrument(89, 0.3), counter=Instrument(10, 0.3),
            drum_kit=25, reverb=0.2, vocal_level_db=9.5,
        ),
        GenrePreset(
            name="folk", aliases=("folk", "acoustic", "country", "singer-songwriter", "campfire", "americana", "unplugged"),
            tempo_range=(84, 120), default_bpm=100, default_mode="major", swing=0.0, groove="folk",
            progressions_major=_p("I IV I V", "I V vi IV", "I IV V I", "vi IV I V"),
            progressions_minor=_p("i VII VI VII", "i iv VII i", "i VI VII i"),
            chord_rhythm="strum", bass_style="root_fifth",
            bass=Instrument(32, 0.65), chords=Instrument(25, 0.75), pad=None, counter=Instrument(73, 0.3),
            drum_kit=8, reverb=0.3, vocal_level_db=9.5,
        ),
        GenrePreset(
            name="rnb", aliases=("r&b", "rnb", "r and b", "soul", "neo-soul", "neo soul", "smooth", "slow jam"),
            tempo_range=(66, 96), default_bpm=80, default_mode="minor", swing=0.16, groove="rnb",
            progressions_major=_p("Imaj7 iii7 vi7 IVmaj7", "ii7 V7 Imaj7 vi7", "IVmaj7 V7 iii7 vi7"),
            progressions_minor=_p("i7 iv7 VIImaj7 IIImaj7", "i7 VImaj7 iv7 v7", "iv7 v7 i7 i7"),
            chord_rhythm="comp", bass_style="syncopated",
            bass=Instrument(33, 0.8), chords=Instrument(4, 0.65), pad=Instrument(89, 0.35), counter=Instrument(65, 0.3),
            drum_kit=0, reverb=0.3, vocal_level_db=9.5,
        ),
    )
}

DEFAULT_GENRE = "pop"
