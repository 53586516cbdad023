"""Song form (issue 11, items 5 and 8): a chorus from plain lyrics that comes back, the writer's order kept for tagged
lyrics, lengths met (+-10 % with lyrics, +-5 % for instrumentals), energy that builds, and every repeat sung as its own
words. Score-only (compose()), except one slow test on a real song."""

import json

import pytest
import soundfile as sf

from nemo_widgets.engine.compose import compose
from nemo_widgets.engine.form import TAIL_SECONDS, bars_for_line
from nemo_widgets.engine.lyrics import parse_lyrics
from nemo_widgets.engine.model import Arrangement
from nemo_widgets.engine.outputs import SyllableTiming, timing_document
from nemo_widgets.engine.spec import parse_spec
from tests.engine import samples

SUNG = ("verse", "prechorus", "chorus", "bridge")


def _song(text: str | None, prompt: str, seed: int = 11) -> Arrangement:
    return compose(parse_lyrics(text) if text else None, parse_spec(prompt, seed=seed))


def _seconds(arr: Arrangement) -> float:
    """The song file's length: the bars plus the tail the pipeline adds."""
    return arr.duration_seconds + TAIL_SECONDS


def _section_text(arr: Arrangement, index: int) -> list[str]:
    return [arr.lyrics.lines[p.line_index].display for p in arr.phrases if p.section_index == index]


def _stanza(text: str, index: int) -> list[str]:
    return text.strip().split("\n\n")[index].splitlines()


def test_plain_stanzas_get_a_chorus_that_comes_back():
    arr = _song(samples.PLAIN_STANZAS, "a pop song")
    choruses = [i for i, s in enumerate(arr.sections) if s.kind == "chorus"]
    assert len(choruses) >= 2
    assert all(_section_text(arr, i) == _stanza(samples.PLAIN_STANZAS, 1) for i in choruses)
    assert arr.sections[-2].kind == "chorus"  # the song ends on its chorus, then the outro
    verses = [i for i, s in enumerate(arr.sections) if s.kind == "verse"]
    assert all(any(c > v for c in choruses) for v in verses)  # a chorus after every verse


def test_a_repeated_stanza_is_the_chorus():
    arr = _song(samples.REPEATED_STANZA, "a pop song")
    choruses = [i for i, s in enumerate(arr.sections) if s.kind == "chorus"]
    assert len(choruses) >= 2
    assert all(_section_text(arr, i) == _stanza(samples.REPEATED_STANZA, 1) for i in choruses)
    assert [_section_text(arr, i) for i, s in enumerate(arr.sections) if s.kind == "verse"] == [
        _stanza(samples.REPEATED_STANZA, 0), _stanza(samples.REPEATED_STANZA, 2)]


def test_a_long_untagged_verse_builds_into_the_chorus_with_a_prechorus():
    verse = ("Rain is falling on the station roof\nEvery window holds a yellow glow\nI have kept the letters as my proof\n"
             "Counting trains that come and go\nSomeone whistles down the empty hall\nI can feel the morning call")
    chorus = "Sing it loud sing it loud tonight\nEvery voice is burning bright"
    for text in (f"{verse}\n\n{chorus}", f"{verse}\n\n{chorus}\n\n{verse.replace('I ', 'We ')}\n\n{chorus}"):
        arr = _song(text, "a pop song")
        kinds = [s.kind for s in arr.sections if s.sung]
        assert kinds[:3] == ["verse", "prechorus", "chorus"], kinds
        prechorus = next(i for i, s in enumerate(arr.sections) if s.kind == "prechorus")
        assert _section_text(arr, prechorus) == verse.splitlines()[-2:]


@pytest.mark.parametrize("prompt", ["a pop song at 116 bpm", "a rock song at 150 bpm", "a folk song at 100 bpm",
                                    "an r&b song at 80 bpm", "a ballad at 66 bpm", "an edm track at 128 bpm"])
def test_four_untagged_lines_make_a_focused_song_with_a_chorus(prompt):
    arr = _song(samples.FOUR_LINES, prompt)
    assert 20 <= _seconds(arr) <= 40, (prompt, _seconds(arr))
    kinds = [s.kind for s in arr.sections]
    assert kinds[0] == "intro" and kinds[-1] == "outro" and "chorus" in kinds
    written = samples.FOUR_LINES.splitlines()
    assert [line.display for line in arr.lyrics.lines][:4] == written  # every line sung, in order


def test_tagged_lyrics_keep_the_writers_order():
    written = [s.label for s in parse_lyrics(samples.TAGGED).sections]
    arr = _song(samples.TAGGED, "a pop song")
    assert [s.label for s in arr.sections] == ["Intro", *written, "Outro"]
    longer = _song(samples.TAGGED, "a pop song, 2 minutes")
    sung = iter(s.label for s in longer.sections if s.sung)
    assert all(any(label == w for label in sung) for w in written)  # the written sections in order...
    added = [s for s in longer.sections[1:-1] if s.label not in written]
    assert all(s.kind == "break" for s in added)  # ...with breaks and chorus repeats only


@pytest.mark.parametrize("lyrics", ["FOUR_LINES", "PLAIN_STANZAS", "TAGGED"])
@pytest.mark.parametrize(("length", "seconds"), [("a 45 second song", 45), ("90 seconds", 90), ("2 minutes", 120),
                                                  ("a four-minute song", 240)])
def test_a_requested_length_is_met_with_lyrics(lyrics, length, seconds):
    text = getattr(samples, lyrics)
    arr = _song(text, f"a pop song, {length}")
    assert arr.spec.target_seconds == seconds
    # Lyrics too long for the length are all sung, never cut: every written line once, a 2-bar intro and outro.
    bar = arr.seconds(arr.beats_per_bar)
    written = sum(bars_for_line(line) for line in parse_lyrics(text).lines)
    if (written + 2) * bar + TAIL_SECONDS <= seconds * 1.1:
        assert abs(_seconds(arr) / seconds - 1) <= 0.10, (lyrics, seconds, _seconds(arr))
    else:
        assert _seconds(arr) == pytest.approx((written + 4) * bar + TAIL_SECONDS)
    assert {line.display for line in parse_lyrics(text).lines} <= {line.display for line in arr.lyrics.lines}


@pytest.mark.parametrize("seconds", [30, 60, 75, 150])
@pytest.mark.parametrize("genre", ["pop", "rock", "edm", "folk"])
def test_a_requested_length_is_met_for_instrumentals(genre, seconds):
    arr = _song(None, f"{genre} instrumental, {seconds} seconds")
    assert arr.phrases == ()
    assert abs(_seconds(arr) / seconds - 1) <= 0.05, (genre, seconds, _seconds(arr))


@pytest.mark.parametrize("seconds", [60, 75, 150])
@pytest.mark.parametrize("genre", ["lofi", "ballad", "hip hop", "r&b"])
def test_slow_instrumentals_meet_their_length_too(genre, seconds):
    arr = _song(None, f"{genre} instrumental, {seconds} seconds")
    assert abs(_seconds(arr) / seconds - 1) <= 0.05, (genre, seconds, _seconds(arr))


@pytest.mark.parametrize(("lyrics", "prompt"), [
    ("PLAIN_STANZAS", "a pop song"), ("REPEATED_STANZA", "a rock song"), ("TAGGED", "a pop song, 2 minutes"),
    ("FOUR_LINES", "a folk song, 2 minutes"), ("FOUR_LINES", "a pop song"),
])
def test_energy_builds_to_the_last_chorus(lyrics, prompt):
    arr = _song(getattr(samples, lyrics), prompt)
    sections = arr.sections
    energy = [s.energy for s in sections]
    last_chorus = max(i for i, s in enumerate(sections) if s.kind == "chorus")
    assert energy[last_chorus] == 1.0 == max(energy)
    sung = [s for s in sections if s.kind in SUNG]
    verses = [s for s in sections if s.kind == "verse"]
    assert verses[0].energy == min(s.energy for s in sung)
    assert all(a.energy <= b.energy for a, b in zip(verses, verses[1:]))
    assert min(s.energy for s in sections if s.kind == "chorus") > max(s.energy for s in verses)
    edges = [sections[0].energy, sections[-1].energy]
    assert max(edges) < min(s.energy for s in sung)
    breaks = [s.energy for s in sections if s.kind in ("break", "bridge")]
    assert all(verses[0].energy < e < energy[last_chorus] for e in breaks)


def test_every_sung_word_is_its_own_word_in_the_timing():
    arr = _song(samples.FOUR_LINES, "a pop song, 2 minutes")
    words = arr.lyrics.words
    assert len(words) > len(parse_lyrics(samples.FOUR_LINES).words)  # the chorus is sung again...
    assert len({id(w) for w in words}) == len(words)  # ...as new words
    assert [(n.word_index, n.syllable_index) for n in arr.notes] == [
        (w, s) for w, word in enumerate(words) for s in range(len(word.syllables))]
    syllables = [SyllableTiming(n.text, n.word_index, arr.seconds(n.start), arr.seconds(n.start + n.duration), n.midi)
                 for n in arr.notes]
    timing = timing_document(arr, syllables, _seconds(arr))
    assert [w["index"] for w in timing["words"]] == list(range(len(words)))
    assert [w["sung"] for w in timing["words"]] == [w.text for w in words]
    assert len(timing["lines"]) == len(arr.lyrics.lines)


@pytest.mark.slow
def test_a_real_song_meets_its_length_and_times_every_sung_word(make_song):
    song = make_song(samples.FOUR_LINES, "a pop song, 45 seconds", voice="female", seed=11)
    info = sf.info(str(song.files["song.wav"]))
    assert abs(info.duration / 45 - 1) <= 0.10, info.duration
    timing = json.loads(song.files["timing.json"].read_text(encoding="utf-8"))
    chorus = samples.FOUR_LINES.splitlines()[2:]
    sung_lines = [line["text"] for line in timing["lines"]]
    assert sung_lines.count(chorus[0]) >= 2 and sung_lines.count(chorus[1]) >= 2
    words = song.arrangement.lyrics.words
    assert [w["index"] for w in timing["words"]] == list(range(len(words)))
    assert [w["sung"] for w in timing["words"]] == [w.text for w in words]
    starts = [w["start"] for w in timing["words"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
