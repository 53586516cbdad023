"""Composition: form, rhythm against stress, melody against harmony, repetition, determinism."""

from dataclasses import replace

import pytest

from nemo_widgets.engine.compose import compose
from nemo_widgets.engine.harmony import chord_at, chord_from_roman
from nemo_widgets.engine.lyrics import parse_lyrics
from nemo_widgets.engine.melody import VOICE_RANGE
from nemo_widgets.engine.model import Key
from nemo_widgets.engine.spec import parse_spec


def _song(text, prompt="upbeat pop song", **kw):
    spec = parse_spec(prompt, seed=kw.pop("seed", 3), **kw)
    return compose(parse_lyrics(text) if text else None, spec)


def test_roman_numerals_follow_the_key():
    a_minor = Key(9, "minor")
    assert chord_from_roman("i", a_minor, 0, 4).pitch_classes() == (9, 0, 4)
    assert chord_from_roman("VI", a_minor, 0, 4).pitch_classes() == (5, 9, 0)
    c_major = Key(0, "major")
    assert chord_from_roman("bVII", c_major, 0, 4).pitch_classes() == (10, 2, 5)
    assert chord_from_roman("V7", c_major, 0, 4).pitch_classes() == (7, 11, 2, 5)
    assert chord_from_roman("ii7", c_major, 0, 4).quality == "min7"
    with pytest.raises(ValueError):
        chord_from_roman("X", c_major, 0, 4)


def test_four_lines_make_a_focused_song(short_lyrics):
    for prompt in ("upbeat pop song", "rock anthem", "sad piano ballad", "edm banger", "lofi beat"):
        arr = _song(short_lyrics, prompt)
        assert 20 <= arr.duration_seconds <= 40, (prompt, arr.duration_seconds)
        kinds = [s.kind for s in arr.sections]
        assert kinds[0] == "intro" and kinds[-1] == "outro"
        assert not arr.sections[0].sung and not arr.sections[-1].sung


def test_structured_lyrics_make_a_full_song_in_their_order(full_lyrics):
    arr = _song(full_lyrics)
    assert 120 <= arr.duration_seconds <= 200
    assert [s.label for s in arr.sections] == [
        "Intro", "Verse 1", "Pre-Chorus", "Chorus", "Verse 2", "Pre-Chorus", "Chorus", "Bridge", "Chorus", "Outro"
    ]


def test_every_syllable_gets_exactly_one_note_in_order(full_lyrics):
    lyrics = parse_lyrics(full_lyrics)
    arr = compose(lyrics, parse_spec("pop", seed=1))
    expected = [(w, s) for w, word in enumerate(lyrics.words) for s in range(len(word.syllables))]
    assert [(n.word_index, n.syllable_index) for n in arr.notes] == expected
    starts = [n.start for n in arr.notes]
    assert starts == sorted(starts)
    for a, b in zip(arr.notes, arr.notes[1:]):
        assert a.start + a.duration <= b.start + 1e-9
    for phrase in arr.phrases:
        section = arr.sections[phrase.section_index]
        assert section.sung
        assert phrase.notes[0].start >= section.start - 1.01
        assert phrase.notes[-1].start + phrase.notes[-1].duration <= section.end(arr.beats_per_bar)


def test_stressed_syllables_land_on_strong_beats_and_chord_tones(full_lyrics):
    lyrics = parse_lyrics(full_lyrics)
    arr = compose(lyrics, parse_spec("folk song", seed=5))
    stressed = [n for n in arr.notes
                if lyrics.words[n.word_index].syllables[n.syllable_index].stress == 1
                and len(lyrics.words[n.word_index].syllables) > 1]
    on_beat = [n for n in stressed if abs(n.start - round(n.start)) < 1e-6]
    assert len(on_beat) / len(stressed) >= 0.85
    chords = tuple(c for s in arr.sections for c in s.chords)
    on_chord = [n for n in stressed if n.midi % 12 in chord_at(chords, n.start).pitch_classes()]
    assert len(on_chord) / len(stressed) >= 0.85


def test_melody_is_mostly_stepwise_and_fits_the_voice(full_lyrics):
    for voice in ("female", "male"):
        arr = _song(full_lyrics, voice=voice)
        low, high = VOICE_RANGE[voice]
        assert all(low <= n.midi <= high for n in arr.notes)
        leaps = [abs(a.midi - b.midi) for p in arr.phrases for a, b in zip(p.notes, p.notes[1:])]
        assert sum(1 for x in leaps if x <= 2) / len(leaps) >= 0.6
        assert max(leaps) <= 9


def test_chorus_sits_higher_and_repeats_its_tune(full_lyrics):
    arr = _song(full_lyrics)
    def mean_pitch(kind):
        notes = [n.midi for p in arr.phrases if arr.sections[p.section_index].kind == kind for n in p.notes]
        return sum(notes) / len(notes)
    assert mean_pitch("chorus") > mean_pitch("verse") + 1.5

    choruses = [i for i, s in enumerate(arr.sections) if s.kind == "chorus"]
    tunes = []
    for index in choruses:
        start = arr.sections[index].start
        tunes.append([(n.start - start, n.midi) for p in arr.phrases if p.section_index == index for n in p.notes])
    assert len(tunes) == 3 and tunes[0] == tunes[1] == tunes[2]


def test_repeated_lines_reuse_their_melody():
    text = "I will follow you tonight\nAcross the river wide\nI will follow you tonight\nUntil the morning light"
    arr = _song(text)
    first, third = arr.phrases[0], arr.phrases[2]
    shift = third.notes[0].start - first.notes[0].start
    assert [n.midi for n in first.notes] == [n.midi for n in third.notes]
    assert [round(n.start + shift, 6) for n in first.notes] == [round(n.start, 6) for n in third.notes]


def test_same_seed_same_song_other_seed_other_melody(short_lyrics):
    assert _song(short_lyrics, seed=11) == _song(short_lyrics, seed=11)
    melodies = {tuple(n.midi for n in _song(short_lyrics, seed=s).notes) for s in range(6)}
    assert len(melodies) >= 5


def test_instrumental_has_no_vocals_and_follows_the_target_length():
    arr = _song("", "chill lofi instrumental, 60 seconds")
    assert arr.phrases == ()
    assert 45 <= arr.duration_seconds <= 80
    longer = compose(None, replace(arr.spec, target_seconds=150))
    assert 130 <= longer.duration_seconds <= 175
