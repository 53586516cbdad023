"""Descriptions to song specs: genre, mood, tempo, key, voice, instrumental, length, seed."""

import pytest

from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.model import Key
from nemo_widgets.engine.spec import parse_spec


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [("an upbeat pop song", "pop"), ("a rock anthem", "rock"), ("sad piano ballad", "ballad"), ("chill lo-fi beat", "lofi"),
     ("EDM banger", "edm"), ("hip-hop track", "hiphop"), ("acoustic campfire song", "folk"), ("smooth R&B slow jam", "rnb"),
     ("a trap beat", "hiphop"), ("indie rock", "rock"), ("a song", "pop")],
)
def test_genre(prompt, genre):
    assert parse_spec(prompt).genre == genre


def test_every_preset_is_distinct():
    assert len(PRESETS) >= 8
    grooves = {(p.groove, p.tempo_range) for p in PRESETS.values()}
    assert len(grooves) == len(PRESETS)
    for preset in PRESETS.values():
        low, high = preset.tempo_range
        assert low <= preset.default_bpm <= high
        tempos = {parse_spec(preset.aliases[0], seed=seed).bpm for seed in range(12)}
        assert len(tempos) >= 3 and all(low <= t <= high for t in tempos)


def test_explicit_numbers_win_over_genre_defaults():
    spec = parse_spec("an upbeat pop song with female vocals, 120 bpm, in A minor")
    assert (spec.genre, spec.mood, spec.bpm, spec.key, spec.voice) == ("pop", "upbeat", 120, Key(9, "minor"), "female")
    assert parse_spec("sad ballad at 100").bpm == 100
    assert parse_spec("edm, tempo 140").bpm == 140
    assert parse_spec("ballad", bpm=90).bpm == 90


def test_tempo_words_move_within_the_genre_range():
    low, high = PRESETS["pop"].tempo_range
    assert parse_spec("slow pop").bpm < PRESETS["pop"].default_bpm < parse_spec("fast pop").bpm
    assert low <= parse_spec("slow pop").bpm and parse_spec("very fast pop").bpm <= high
    assert parse_spec("pop at 240 bpm").bpm == 200
    with pytest.raises(EngineInputError, match="bpm"):
        parse_spec("pop at 999 bpm")


@pytest.mark.parametrize(
    ("prompt", "key"),
    [("in A minor", Key(9, "minor")), ("in Am", Key(9, "minor")), ("key of F#", Key(6, "major")),
     ("Bb major ballad", Key(10, "major")), ("in E flat minor", Key(3, "minor")), ("in c# minor", Key(1, "minor")),
     ("rock in D", Key(2, "major")), ("key: G", Key(7, "major"))],
)
def test_keys(prompt, key):
    assert parse_spec(prompt).key == key


def test_a_is_not_a_key_in_ordinary_words():
    spec = parse_spec("a song in a minute about a girl", seed=0)
    assert spec.key.tonic in (0, 2, 4, 5, 7, 9)


def test_mood_sets_the_mode_when_the_key_is_open():
    assert parse_spec("sad pop song").key.mode == "minor"
    assert parse_spec("happy edm").key.mode == "major"


def test_voice_and_instrumental():
    assert parse_spec("rock song with male vocals").voice == "male"
    assert parse_spec("a guy singing").voice == "male"
    assert parse_spec("her voice, soft").voice == "female"
    assert parse_spec("pop").voice == "female"
    assert parse_spec("male vocals", voice="female").voice == "female"
    assert parse_spec("lofi instrumental").instrumental
    assert parse_spec("trap beat, no vocals").instrumental
    assert not parse_spec("pop song with vocals").instrumental
    assert not parse_spec("lofi instrumental", instrumental=False).instrumental


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [("30 seconds", 30), ("a 45s jingle", 45), ("2 minutes", 120), ("2:30 long", 150), ("short clip", 30),
     ("full song", None), ("pop", None), ("a 45 second song", 45), ("a 45-second song", 45), ("90 seconds", 90),
     ("2 minutes 30 seconds", 150), ("2m30s", 150), ("two minutes", 120), ("a minute and a half", 90),
     ("half a minute", 30), ("a three-minute rock song, 100 bpm", 180), ("an 80s synth-pop song", None),
     ("90s hip hop", None), ("pop with a second verse", None), ("a 30s clip", 30)],
)
def test_length(prompt, seconds):
    assert parse_spec(prompt).target_seconds == seconds


def test_seed():
    assert parse_spec("pop").seed == parse_spec("  POP ").seed
    assert parse_spec("pop").seed != parse_spec("rock").seed
    assert parse_spec("pop, seed 42").seed == 42
    assert parse_spec("pop, seed 42", seed=7).seed == 7
