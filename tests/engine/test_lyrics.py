"""Lyric parsing: sections, syllables and stress, numbers and symbols, emoji, limits."""

import pytest

from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.lyrics import MAX_WORDS, parse_lyrics
from nemo_widgets.engine.pronounce import syllabify
from nemo_widgets.engine.textnorm import expand_token
from tests.engine import samples

# word -> (syllable count, index of the primary-stressed syllable or None for an unstressed function word)
WORDS = {
    "summer": (2, 0), "shining": (2, 0), "beautiful": (3, 0), "tonight": (2, 1), "fire": (2, 0),
    "every": (3, 0), "orange": (2, 0), "banana": (3, 1), "the": (1, None), "remember": (3, 1),
    "yesterday": (3, 0), "city": (2, 0), "morning": (2, 0), "heartbeat": (2, 0), "overflows": (3, 0),
    "dancing": (2, 0), "forever": (3, 1), "together": (3, 1), "electric": (3, 1), "imagination": (5, 3),
    "and": (1, None), "light": (1, 0), "window": (2, 0), "away": (2, 1), "butterfly": (3, 0),
    "Zorblax": (2, 0), "glimmerize": (3, 0),
}


@pytest.mark.parametrize(("word", "expected"), sorted(WORDS.items()))
def test_syllables_and_stress(word, expected):
    count, stressed = expected
    syllables = syllabify(word)
    assert len(syllables) == count
    assert "".join(s.text for s in syllables) == word
    stresses = [s.stress for s in syllables]
    if stressed is None:
        assert stresses == [0]
    else:
        assert stresses[stressed] == 1
    assert all(s.phonemes for s in syllables)


def test_unknown_words_get_a_guess_with_a_stress():
    for word in ("Zorblax", "snerfle", "qwxyz"):
        syllables = syllabify(word)
        assert syllables and max(s.stress for s in syllables) == 1


@pytest.mark.parametrize(
    ("token", "sung"),
    [("24", ["twenty-four"]), ("1999", ["nineteen ninety-nine"]), ("3rd", ["third"]), ("&", ["and"]),
     ("$5", ["five", "dollars"]), ("50%", ["fifty", "percent"]), ("80s", ["eighties"]), ("2.5", ["two point five"]),
     ("@home", ["at", "home"]), ("night!", ["night"]), ("🔥", []), ("...", []), ("don't", ["don't"])],
)
def test_numbers_and_symbols_become_words(token, sung):
    assert expand_token(token) == sung


def test_sections_from_every_tag_form():
    text = "[Intro]\nOh oh\nverse 1:\nOne line here\n(Pre-Chorus)\nRising up\n[CHORUS]\nHere we go\nBridge:\nSlow down\n[Outro]\nGoodbye now\n[Verse 2]\nBack again\n[pre chorus]\nUp again\n[Hook]\nThe hook line"
    sections = parse_lyrics(text).sections
    assert [(s.kind, s.label) for s in sections] == [
        ("intro", "Intro"), ("verse", "Verse 1"), ("prechorus", "Pre-Chorus"), ("chorus", "Chorus"),
        ("bridge", "Bridge"), ("outro", "Outro"), ("verse", "Verse 2"), ("prechorus", "Pre-Chorus"), ("chorus", "Chorus"),
    ]


def test_a_tag_alone_repeats_its_section():
    text = "[Verse 1]\nFirst line here\n[Chorus]\nHere we go again\n[Verse 2]\nSecond line here\n[Chorus]\n[Outro]"
    sections = parse_lyrics(text).sections
    assert [(s.label, [line.display for line in s.lines]) for s in sections] == [
        ("Verse 1", ["First line here"]), ("Chorus", ["Here we go again"]), ("Verse 2", ["Second line here"]),
        ("Chorus", ["Here we go again"])]
    assert sections[1].lines[0] is not sections[3].lines[0]


def test_stanzas_without_tags_find_the_chorus(full_lyrics):
    chorus = "We are young tonight\nWe are burning bright"
    text = f"First verse line\nSecond verse line\n\n{chorus}\n\nThird verse line\nFourth verse line\n\n{chorus}\n"
    sections = parse_lyrics(text).sections
    assert [(s.kind, s.label) for s in sections] == [
        ("verse", "Verse 1"), ("chorus", "Chorus"), ("verse", "Verse 2"), ("chorus", "Chorus")
    ]
    assert [s.kind for s in parse_lyrics("Just one stanza\nof two lines").sections] == ["chorus"]


def test_untagged_lyrics_always_get_a_chorus():
    def labelled(text):
        lyrics = parse_lyrics(text)
        assert not lyrics.tagged
        return [(s.label, [line.display for line in s.lines]) for s in lyrics.sections]

    stanzas = [s.splitlines() for s in samples.PLAIN_STANZAS.strip().split("\n\n")]
    assert labelled(samples.PLAIN_STANZAS) == [("Verse 1", stanzas[0]), ("Chorus", stanzas[1]), ("Verse 2", stanzas[2])]
    lines = samples.FOUR_LINES.splitlines()
    assert labelled(samples.FOUR_LINES) == [("Verse", lines[:2]), ("Chorus", lines[2:])]
    refrain = "Walking down the road\nSun upon my back\nOh carry me home\n\nRiver running cold\nNothing in my pack\nOh carry me home"
    assert labelled(refrain) == [("Verse 1", ["Walking down the road", "Sun upon my back"]), ("Chorus", ["Oh carry me home"]),
                                 ("Verse 2", ["River running cold", "Nothing in my pack"]), ("Chorus", ["Oh carry me home"])]
    hook = "I will follow you tonight\nAcross the river wide\nI will follow you tonight\nUntil the morning light"
    assert [label for label, _ in labelled(hook)] == ["Chorus"]
    assert parse_lyrics(samples.TAGGED).tagged


def test_emoji_and_punctuation_kept_for_display_only():
    lyrics = parse_lyrics("Dance 💃 all night!!! ✨\n🎉🎉🎉\n24/7 & forever")
    first, second = lyrics.lines
    assert first.display == "Dance 💃 all night!!! ✨"
    assert [w.text for w in first.words] == ["Dance", "all", "night"]
    assert [w.display for w in first.words] == ["Dance", "all", "night!!!"]
    assert [(w.display, w.text) for w in second.words] == [("24/7", "twenty-four seven"), ("&", "and"), ("forever", "forever")]


def test_windows_line_ends_smart_quotes_and_bom():
    lyrics = parse_lyrics("\ufeff[Verse]\r\nDon’t stop\r\n\r\n[Chorus]\r\n“Go” now\r\n")
    assert [w.text for w in lyrics.words] == ["Don't", "stop", "Go", "now"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"), ("  \n\t ", "empty"), ("🎉 🎉\n...", "no words"),
        ("one two three four five six seven\n" * 100, str(MAX_WORDS)),
        ("la " * 30, "24"), ("la\n" * 130, "120"),
        ("Привет мир как дела\nМы танцуем до утра", "English"),
        ("夏の太陽が輝いて", "English"),
    ],
)
def test_bad_lyrics_are_refused_with_one_sentence(text, message):
    with pytest.raises(EngineInputError) as error:
        parse_lyrics(text)
    assert message in str(error.value)
    assert str(error.value).endswith(".") and "\n" not in str(error.value)


def test_a_few_foreign_words_are_fine():
    assert len(parse_lyrics("We danced in Paris, très jolie, olé").words) == 7
