"""Genre presets: each genre's tempo, groove, harmony, bands and mix in one place.

Spec parsing reads the tempo range and default mode, composition the progressions,
the band its grooves and line-ups, the mixer its levels and reverb. Each genre has several
line-ups (`bands`); the song's seed picks one, so two seeds of a genre are two different bands.
"""

from __future__ import annotations

from dataclasses import dataclass

from nemo_widgets.engine.model import Mode


@dataclass(frozen=True)
class Layer:
    """One player of a band: a General MIDI program playing one role in one style.

    A layer plays in sections whose energy is in [enter, leave): layers enter as the song builds.
    `pan` is -1 (hard left) .. 1 (hard right); `lag` (beats), `tune` and a lower `level` make a double sound played
    twice.
    `fx` names per-instrument effects applied to the layer's own stem (band/effects.py)."""

    name: str  # the track name in song.mid
    role: str  # "bass", "chords", "pad", "counter"
    program: int  # General MIDI program, 0-based
    style: str  # bass: parts.BASS_RHYTHMS; chords: parts.CHORD_RHYTHMS or "power", "pick", "rolled"
    enter: float = 0.0
    leave: float = 1.01
    level: float = 1.0  # velocity scale
    pan: float = 0.0
    octave: int = 0  # semitones, a multiple of 12
    lag: float = 0.0
    tune: float = 0.0  # semitones: a detuned double thickens (the supersaw's side voices, a second guitar take)
    fx: tuple[str, ...] = ()


@dataclass(frozen=True)
class Band:
    name: str
    kit: int  # GM drum kit program on channel 10 (0 standard, 8 room, 16 power, 24 electronic, 25 TR-808, 32 jazz)
    layers: tuple[Layer, ...]


@dataclass(frozen=True)
class GenrePreset:
    name: str
    aliases: tuple[str, ...]  # words in a prompt that select this genre
    tempo_range: tuple[int, int]
    default_bpm: int  # the centre of the tempos a seed picks from
    default_mode: Mode
    swing: float  # 0 straight, 0.33 full triplet swing of eighth notes
    groove: str  # drum pattern family: a key of band.grooves.GROOVES
    progressions_major: tuple[tuple[str, ...], ...]  # roman numerals, one chord per bar
    progressions_minor: tuple[tuple[str, ...], ...]
    bands: tuple[Band, ...]  # line-ups the seed chooses from
    reverb: float  # 0..1 wet amount for the vocal and the band
    vocal_level_db: float  # the voice over the band while it sings (the band ducked under it), dB
    lofi: bool = False  # low-pass and noise on the band
    vocal_space_db: float = 0.0  # extra cut of the band's 1-4 kHz for the voice (dense, distorted bands need more)
    swing16: float = 0.0  # swing of the off sixteenths in the drums (R&B, neo-soul)


def _p(*rows: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r.split()) for r in rows)


PRESETS: dict[str, GenrePreset] = {
    p.name: p
    for p in (
        GenrePreset(
            name="pop", aliases=("pop", "synth-pop", "synthpop", "dance-pop", "k-pop", "kpop", "catchy"),
            tempo_range=(96, 128), default_bpm=114, default_mode="major", swing=0.0, groove="pop",
            progressions_major=_p("I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi", "I V IV V", "vi V IV V"),
            progressions_minor=_p("i VI III VII", "i VII VI VII", "VI VII i i", "i iv VI VII"),
            bands=(
                Band("synth-pop", 24, (
                    Layer("Synth Bass", "bass", 38, "root_eighths", enter=0.45),
                    Layer("Synth Stabs", "chords", 81, "stabs", pan=-0.35, fx=("wide",)),
                    Layer("Pad", "pad", 94, "sustain", enter=0.65, level=0.8),
                    Layer("Bells", "chords", 10, "arpeggio", enter=0.8, pan=0.5, octave=12, level=0.75),
                    Layer("Lead", "counter", 80, "", enter=0.5, pan=0.3, level=0.7),
                )),
                Band("guitar-pop", 0, (
                    Layer("Bass", "bass", 33, "root_eighths", enter=0.45),
                    Layer("Muted Guitar", "chords", 28, "eighths", pan=-0.6, level=0.85),
                    Layer("Piano", "chords", 0, "stabs", enter=0.5, pan=0.25),
                    Layer("Clean Guitar", "chords", 27, "strum", enter=0.8, pan=0.7, level=0.8),
                    Layer("Synth Pad", "pad", 94, "sustain", enter=0.8, level=0.7),
                    Layer("Whistle", "counter", 78, "", enter=0.5, pan=0.3, level=0.6),
                )),
                Band("piano-pop", 24, (
                    Layer("Synth Bass", "bass", 39, "octaves", enter=0.45),
                    Layer("Piano", "chords", 0, "stabs", pan=-0.2),
                    Layer("Synth Strings", "pad", 50, "sustain", enter=0.6, level=0.75),
                    Layer("Pluck", "chords", 81, "arpeggio", enter=0.8, pan=0.5, octave=12, level=0.55, fx=("wide",)),
                    Layer("Bell Lead", "counter", 11, "", enter=0.5, pan=0.35, level=0.75),
                )),
            ),
            reverb=0.25, vocal_level_db=9,
        ),
        GenrePreset(
            name="rock", aliases=("rock", "punk", "grunge", "indie rock", "alt rock", "alternative", "guitar"),
            tempo_range=(100, 150), default_bpm=126, default_mode="major", swing=0.0, groove="rock",
            progressions_major=_p("I IV V IV", "I V IV IV", "I bVII IV I", "vi IV I V", "I IV vi V", "IV V I I"),
            progressions_minor=_p("i VII VI VII", "i iv VII III", "i VI VII i", "i VI III VII"),
            bands=(
                Band("twin distortion", 16, (
                    Layer("Bass", "bass", 34, "root_eighths"),
                    Layer("Guitar L", "chords", 30, "power", pan=-1.0, fx=("drive",)),
                    Layer("Guitar R", "chords", 30, "power", enter=0.4, pan=1.0, lag=0.012, level=0.93, tune=0.06,
                          fx=("drive",)),
                    Layer("Lead Guitar", "counter", 29, "", enter=0.8, pan=0.25, level=0.7, fx=("drive",)),
                    Layer("Organ", "pad", 18, "sustain", enter=0.9, level=0.55),
                )),
                Band("garage", 8, (
                    Layer("Bass", "bass", 33, "root_eighths"),
                    Layer("Clean Guitar", "chords", 27, "arpeggio", leave=0.65, pan=0.35, level=0.9),
                    Layer("Guitar L", "chords", 29, "power", enter=0.5, pan=-1.0, fx=("drive",)),
                    Layer("Guitar R", "chords", 29, "power", enter=0.5, pan=1.0, lag=0.015, level=0.92, tune=-0.05,
                          fx=("drive",)),
                    Layer("Lead Guitar", "counter", 30, "", enter=0.8, pan=-0.3, level=0.65, fx=("drive",)),
                )),
                Band("arena", 16, (
                    Layer("Bass", "bass", 34, "octaves", enter=0.7),
                    Layer("Bass Low", "bass", 34, "root_eighths", leave=0.7),
                    Layer("Guitar L", "chords", 30, "power", pan=-1.0, fx=("drive",)),
                    Layer("Guitar R", "chords", 30, "power", pan=1.0, lag=0.01, level=0.94, tune=0.07, fx=("drive",)),
                    Layer("Piano", "chords", 0, "stabs", enter=0.6, pan=0.2, level=0.7),
                    Layer("Strings", "pad", 48, "sustain", enter=0.8, level=0.6),
                )),
            ),
            reverb=0.18, vocal_level_db=10, vocal_space_db=8.0,
        ),
        GenrePreset(
            name="ballad", aliases=("ballad", "piano ballad", "love song", "slow song", "power ballad"),
            tempo_range=(60, 84), default_bpm=72, default_mode="major", swing=0.0, groove="ballad",
            progressions_major=_p("I vi IV V", "I iii IV V", "vi IV I V", "I IV vi V", "I V vi IV", "IV V iii vi"),
            progressions_minor=_p("i VI III VII", "i iv VI V", "i VI iv V", "VI VII i i"),
            bands=(
                Band("piano and strings", 0, (
                    Layer("Piano", "chords", 0, "rolled", pan=-0.15),
                    Layer("Strings", "pad", 48, "sustain", enter=0.5, level=0.7),
                    Layer("Cello", "bass", 42, "root_fifth", enter=0.5, level=0.75),
                    Layer("High Strings", "pad", 49, "sustain", enter=0.8, octave=12, pan=0.3, level=0.6),
                    Layer("Piano Octaves", "chords", 0, "sustain", enter=0.9, octave=12, pan=0.2, level=0.6),
                )),
                Band("keys and strings", 0, (
                    Layer("Piano", "chords", 0, "rolled", pan=-0.2),
                    Layer("Electric Piano", "pad", 4, "sustain", enter=0.5, pan=0.3, level=0.55, fx=("tremolo",)),
                    Layer("Fretless Bass", "bass", 35, "root_fifth", enter=0.5),
                    Layer("Slow Strings", "pad", 49, "sustain", enter=0.6, level=0.7),
                    Layer("Flute", "counter", 73, "", enter=0.5, pan=0.4, level=0.6),
                )),
                Band("guitar and strings", 0, (
                    Layer("Nylon Guitar", "chords", 24, "pick", pan=-0.25),
                    Layer("Piano", "chords", 0, "sustain", enter=0.5, pan=0.25, level=0.7),
                    Layer("Bass", "bass", 32, "root_fifth", enter=0.5),
                    Layer("Strings", "pad", 48, "sustain", enter=0.6, level=0.7),
                    Layer("Cello Line", "counter", 42, "", enter=0.8, pan=-0.4, level=0.65, octave=-12),
                )),
            ),
            reverb=0.4, vocal_level_db=10,
        ),
        GenrePreset(
            name="lofi", aliases=("lo-fi", "lofi", "lo fi", "chillhop", "study beats", "jazzy"),
            tempo_range=(70, 90), default_bpm=82, default_mode="major", swing=0.2, groove="boombap",
            progressions_major=_p("IVmaj7 iii7 ii7 Imaj7", "Imaj7 vi7 ii7 V7", "ii7 V7 Imaj7 vi7", "Imaj7 IVmaj7 iii7 vi7"),
            progressions_minor=_p("i7 iv7 VIImaj7 IIImaj7", "i7 VImaj7 iv7 v7", "iv7 v7 i7 VImaj7"),
            bands=(
                Band("dusty keys", 8, (
                    Layer("Electric Piano", "chords", 4, "comp", pan=-0.2, fx=("dusty",)),
                    Layer("Upright Bass", "bass", 32, "root_fifth", enter=0.45),
                    Layer("Vibes", "counter", 11, "", enter=0.5, pan=0.4, level=0.7, fx=("dusty",)),
                    Layer("Pad", "pad", 94, "sustain", enter=0.8, level=0.5, fx=("dusty",)),
                )),
                Band("jazz guitar", 8, (
                    Layer("Jazz Guitar", "chords", 26, "comp", pan=0.25, fx=("dusty",)),
                    Layer("Upright Bass", "bass", 32, "root_fifth", enter=0.45),
                    Layer("Piano", "chords", 0, "sustain", enter=0.6, pan=-0.3, level=0.55, fx=("dusty",)),
                    Layer("Flute", "counter", 73, "", enter=0.7, pan=-0.2, level=0.55),
                )),
                Band("tape piano", 32, (
                    Layer("Piano", "chords", 0, "comp", pan=-0.15, fx=("dusty",)),
                    Layer("Bass", "bass", 33, "root_fifth", enter=0.45),
                    Layer("Electric Piano", "pad", 5, "sustain", enter=0.6, pan=0.35, level=0.5, fx=("dusty", "tremolo")),
                    Layer("Muted Guitar", "counter", 26, "", enter=0.7, pan=0.4, level=0.6, fx=("dusty",)),
                )),
            ),
            reverb=0.3, vocal_level_db=12, lofi=True,
        ),
        GenrePreset(
            name="edm", aliases=("edm", "house", "techno", "trance", "electronic", "dance", "club", "future bass"),
            tempo_range=(120, 132), default_bpm=126, default_mode="minor", swing=0.0, groove="four_on_floor",
            progressions_major=_p("vi IV I V", "I V vi IV", "IV V vi vi", "vi V IV V"),
            progressions_minor=_p("i VI III VII", "VI VII i i", "i iv VI VII", "i VII VI VII"),
            bands=(
                Band("supersaw", 24, (
                    Layer("Pluck", "chords", 81, "arpeggio", leave=0.8, pan=-0.3, fx=("wide",)),
                    Layer("Bass", "bass", 38, "octaves", enter=0.6, fx=("pump",)),
                    Layer("Pad", "pad", 94, "sustain", enter=0.6, level=0.6, fx=("pump",)),
                    Layer("Supersaw", "chords", 81, "offbeat", enter=0.8, fx=("wide", "pump")),
                    Layer("Supersaw Up", "chords", 81, "offbeat", enter=0.8, level=0.75, tune=0.12, fx=("wide", "pump")),
                    Layer("Supersaw Down", "chords", 81, "offbeat", enter=0.8, level=0.75, tune=-0.12,
                          fx=("wide", "pump")),
                    Layer("Supersaw High", "pad", 81, "sustain", enter=0.8, octave=12, level=0.5, fx=("wide", "pump")),
                    Layer("Lead", "counter", 80, "", enter=0.8, pan=0.3, level=0.6),
                )),
                Band("piano house", 25, (
                    Layer("House Piano", "chords", 1, "offbeat", enter=0.45, pan=-0.2),
                    Layer("Bass", "bass", 39, "octaves", enter=0.6, fx=("pump",)),
                    Layer("Pad", "pad", 94, "sustain", level=0.6, fx=("wide", "pump")),
                    Layer("Supersaw", "pad", 81, "sustain", enter=0.8, level=0.8, fx=("wide", "pump")),
                    Layer("Supersaw Up", "pad", 81, "sustain", enter=0.8, level=0.6, tune=0.12, fx=("wide", "pump")),
                    Layer("Supersaw Down", "pad", 81, "sustain", enter=0.8, level=0.6, tune=-0.12, fx=("wide", "pump")),
                    Layer("Stabs", "chords", 62, "stabs", enter=0.8, pan=0.35, level=0.7, fx=("pump",)),
                )),
            ),
            reverb=0.3, vocal_level_db=8.5,
        ),
        GenrePreset(
            name="hiphop", aliases=("hip-hop", "hip hop", "hiphop", "rap", "trap", "boom bap", "drill"),
            tempo_range=(80, 100), default_bpm=90, default_mode="minor", swing=0.12, groove="trap",
            progressions_major=_p("vi IV I V", "I vi IV V", "ii V I vi", "vi vi IV V"),
            progressions_minor=_p("i VI i VII", "i iv i VI", "i VI III VII", "i i VI v"),
            bands=(
                Band("dark keys", 25, (
                    Layer("808", "bass", 38, "sub_808", enter=0.45, octave=-12),
                    Layer("Piano", "chords", 0, "sustain", pan=-0.2, level=0.8),
                    Layer("Music Box", "counter", 10, "", enter=0.5, pan=0.4, level=0.75),
                    Layer("Pad", "pad", 94, "sustain", enter=0.8, level=0.55),
                )),
                Band("strings and choir", 25, (
                    Layer("808", "bass", 38, "sub_808", enter=0.45, octave=-12),
                    Layer("Pizzicato", "chords", 45, "stabs", pan=-0.3, level=0.8),
                    Layer("Choir", "pad", 52, "sustain", enter=0.8, level=0.55),
                    Layer("Strings", "pad", 48, "sustain", enter=0.6, level=0.55),
                    Layer("Bell", "counter", 10, "", enter=0.7, pan=0.4, level=0.6),
                )),
                Band("smooth keys", 25, (
                    Layer("808", "bass", 38, "sub_808", enter=0.45, octave=-12),
                    Layer("Electric Piano", "chords", 4, "sustain", pan=0.2, fx=("tremolo",)),
                    Layer("Flute", "counter", 73, "", enter=0.5, pan=-0.35, level=0.65),
                    Layer("Synth Pad", "pad", 91, "sustain", enter=0.8, level=0.5),
                )),
            ),
            reverb=0.2, vocal_level_db=9.5,
        ),
        GenrePreset(
            name="folk", aliases=("folk", "acoustic", "country", "singer-songwriter", "campfire", "americana", "unplugged"),
            tempo_range=(84, 120), default_bpm=100, default_mode="major", swing=0.0, groove="folk",
            progressions_major=_p("I IV I V", "I V vi IV", "I IV V I", "vi IV I V", "I iii IV I"),
            progressions_minor=_p("i VII VI VII", "i iv VII i", "i VI VII i", "i III VII i"),
            bands=(
                Band("fingerpicking", 8, (
                    Layer("Acoustic Guitar", "chords", 25, "pick", pan=-0.3),
                    Layer("Upright Bass", "bass", 32, "root_fifth", enter=0.5),
                    Layer("Strummed Guitar", "chords", 25, "strum", enter=0.8, pan=0.6, level=0.75),
                    Layer("Fiddle", "counter", 110, "", enter=0.5, pan=0.35, level=0.6),
                )),
                Band("nylon and banjo", 8, (
                    Layer("Nylon Guitar", "chords", 24, "pick", pan=-0.25),
                    Layer("Bass", "bass", 32, "root_fifth", enter=0.5),
                    Layer("Banjo", "chords", 105, "pick", enter=0.8, pan=0.55, level=0.6),
                    Layer("Harmonica", "counter", 22, "", enter=0.5, pan=0.3, level=0.55),
                    Layer("Cello", "pad", 42, "sustain", enter=0.8, octave=-12, level=0.55),
                )),
                Band("guitar and piano", 0, (
                    Layer("Acoustic Guitar", "chords", 25, "pick", pan=0.3),
                    Layer("Piano", "chords", 0, "sustain", enter=0.5, pan=-0.3, level=0.6),
                    Layer("Bass", "bass", 32, "root_fifth", enter=0.5),
                    Layer("Strings", "pad", 48, "sustain", enter=0.8, level=0.55),
                    Layer("Flute", "counter", 73, "", enter=0.5, pan=-0.3, level=0.55),
                )),
            ),
            reverb=0.3, vocal_level_db=9.5,
        ),
        GenrePreset(
            name="rnb", aliases=("r&b", "rnb", "r and b", "soul", "neo-soul", "neo soul", "smooth", "slow jam"),
            tempo_range=(66, 96), default_bpm=80, default_mode="minor", swing=0.16, groove="rnb",
            progressions_major=_p("Imaj7 iii7 vi7 IVmaj7", "ii7 V7 Imaj7 vi7", "IVmaj7 V7 iii7 vi7", "Imaj7 vi7 IVmaj7 V7"),
            progressions_minor=_p("i7 iv7 VIImaj7 IIImaj7", "i7 VImaj7 iv7 v7", "iv7 v7 i7 i7", "VImaj7 v7 i7 iv7"),
            bands=(
                Band("rhodes", 0, (
                    Layer("Electric Piano", "chords", 4, "comp", pan=-0.2, fx=("tremolo",)),
                    Layer("Bass", "bass", 33, "syncopated", enter=0.45),
                    Layer("Pad", "pad", 94, "sustain", enter=0.7, level=0.5),
                    Layer("Sax", "counter", 65, "", enter=0.7, pan=0.35, level=0.55),
                )),
                Band("wurli and guitar", 0, (
                    Layer("Electric Piano", "chords", 5, "comp", pan=0.2, fx=("tremolo",)),
                    Layer("Synth Bass", "bass", 38, "syncopated", enter=0.45),
                    Layer("Guitar", "chords", 27, "stabs", enter=0.6, pan=-0.55, level=0.6),
                    Layer("Strings", "pad", 49, "sustain", enter=0.8, level=0.5),
                )),
                Band("organ soul", 32, (
                    Layer("Electric Piano", "chords", 4, "comp", pan=-0.25, fx=("tremolo",)),
                    Layer("Bass", "bass", 33, "syncopated", enter=0.45),
                    Layer("Organ", "pad", 16, "sustain", enter=0.6, pan=0.3, level=0.45),
                    Layer("Brass", "chords", 61, "stabs", enter=0.85, pan=0.4, level=0.55),
                )),
            ),
            reverb=0.3, vocal_level_db=9.5, swing16=0.3,
        ),
    )
}

DEFAULT_GENRE = "pop"
