"""Melodies that lift (issue 11, item 4), measured on the score of tagged lyrics the engine was not tuned on.

Independent of the exact form: every measure reads the sections by kind and the sung notes, whatever sections the
form adds around them.
"""

from functools import cache
from statistics import mean

import pytest

from nemo_widgets.engine.compose import compose
from nemo_widgets.engine.lyrics import parse_lyrics
from nemo_widgets.engine.melody import VOICE_RANGE
from nemo_widgets.engine.model import Arrangement, Phrase
from nemo_widgets.engine.spec import parse_spec
from tests.engine import samples

PROMPTS = ("a pop song", "a rock song", "a piano ballad", "an edm track", "a folk song")
SEEDS = (2, 11, 23)
CASES = [(voice, prompt, seed) for voice in ("female", "male") for prompt in PROMPTS for seed in SEEDS]

HOOK_LEAP = 5  # semitones: a perfect 4th or more up
HOOK_HOLD = 1.0  # beats
HOOK_TOP = 2  # semitones: the hook note is at most this far below the highest note of its chorus


@cache
def _song(voice: str, prompt: str, seed: int, text: str = samples.TAGGED) -> Arrangement:
    return compose(parse_lyrics(text), parse_spec(prompt, voice=voice, seed=seed))


def _phrases(arr: Arrangement, kind: str) -> list[Phrase]:
    return [p for p in arr.phrases if arr.sections[p.section_index].kind == kind]


def _intervals(arr: Arrangement) -> list[int]:
    """Sung intervals inside each line (a breath between lines is not an interval of the tune)."""
    return [b.midi - a.midi for p in arr.phrases for a, b in zip(p.notes, p.notes[1:])]


def _has_hook(chorus: list[Phrase]) -> bool:
    """A chorus hook: a note held >= HOOK_HOLD beats, within HOOK_TOP semitones of the chorus's highest note,
    reached by a leap of >= HOOK_LEAP semitones up from the note before it."""
    top = max(n.midi for p in chorus for n in p.notes)
    return any(
        b.duration >= HOOK_HOLD and b.midi >= top - HOOK_TOP and b.midi - a.midi >= HOOK_LEAP
        for p in chorus for a, b in zip(p.notes, p.notes[1:])
    )


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_range_spans_ten_semitones_inside_the_voice(voice, prompt, seed):
    pitches = [n.midi for n in _song(voice, prompt, seed).notes]
    low, high = VOICE_RANGE[voice]
    assert low <= min(pitches) and max(pitches) <= high
    assert max(pitches) - min(pitches) >= 10


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_chorus_sits_three_semitones_above_the_verse(voice, prompt, seed):
    arr = _song(voice, prompt, seed)
    chorus = mean(n.midi for p in _phrases(arr, "chorus") for n in p.notes)
    verse = mean(n.midi for p in _phrases(arr, "verse") for n in p.notes)
    assert chorus >= verse + 3


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_every_chorus_has_a_hook(voice, prompt, seed):
    arr = _song(voice, prompt, seed)
    choruses = [i for i, s in enumerate(arr.sections) if s.kind == "chorus"]
    assert choruses
    for index in choruses:
        assert _has_hook([p for p in arr.phrases if p.section_index == index]), arr.sections[index].label


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_interval_mix_few_repeats_some_leaps_none_past_an_octave(voice, prompt, seed):
    arr = _song(voice, prompt, seed)
    sizes = [abs(i) for i in _intervals(arr)]
    assert sum(1 for s in sizes if s == 0) / len(sizes) <= 0.25
    assert sum(1 for s in sizes if 1 <= s <= 2) / len(sizes) >= 0.5  # steps stay the most common move
    assert sum(1 for s in sizes if 3 <= s <= 4) / len(sizes) >= 0.1
    assert any(s >= HOOK_LEAP for s in sizes)
    everywhere = [abs(b.midi - a.midi) for a, b in zip(arr.notes, arr.notes[1:])]
    assert max(everywhere) <= 12


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_big_leaps_step_back(voice, prompt, seed):
    """After a leap of a 4th or more, the next note turns back (songwriters fill the gap), in most cases."""
    arr = _song(voice, prompt, seed)
    turns = [
        (b.midi - a.midi) * (c.midi - b.midi) < 0
        for p in arr.phrases for a, b, c in zip(p.notes, p.notes[1:], p.notes[2:])
        if abs(b.midi - a.midi) >= HOOK_LEAP
    ]
    assert sum(turns) >= 0.8 * len(turns)


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_lines_arc_to_a_peak_and_fall_at_the_cadence(voice, prompt, seed):
    """Most lines peak inside the line and end at least a whole tone below their peak, instead of chanting
    (a pre-chorus, which climbs into the chorus, aside)."""
    arr = _song(voice, prompt, seed)
    lines = [[n.midi for n in p.notes] for p in arr.phrases
             if len(p.notes) >= 4 and arr.sections[p.section_index].kind != "prechorus"]
    arcs = [max(m[1:-1]) >= max(m) and m[-1] <= max(m) - 2 for m in lines]
    assert sum(arcs) >= 0.75 * len(arcs)
    assert all(max(m) - min(m) >= 3 for m in lines)


@pytest.mark.parametrize("voice", ["female", "male"])
def test_repeated_lines_and_choruses_sing_the_same_tune(voice):
    arr = _song(voice, "a pop song", 11)
    by_text: dict[str, list[tuple[tuple[float, int], ...]]] = {}
    for p in arr.phrases:
        text = " ".join(n.text.lower() for n in p.notes)
        first = p.notes[0].start
        by_text.setdefault(text, []).append(tuple((round(n.start - first, 6), n.midi) for n in p.notes))
    repeated = {t: tunes for t, tunes in by_text.items() if len(tunes) > 1}
    assert len(repeated) >= 2
    for tunes in repeated.values():
        assert len(set(tunes)) == 1


@pytest.mark.parametrize("voice", ["female", "male"])
def test_same_seed_same_melody_other_seed_other_melody(voice):
    assert _song(voice, "a rock song", 7) == _song(voice, "a rock song", 7)
    melodies = {tuple(n.midi for n in _song(voice, "a rock song", s).notes) for s in range(5)}
    assert len(melodies) >= 4


@pytest.mark.parametrize("voice,prompt,seed", CASES)
def test_prechorus_climbs_and_bridge_falls_from_high(voice, prompt, seed):
    """The pre-chorus climbs line by line between the verse and the chorus; the bridge contrasts by falling from
    high where verse lines rise."""
    arr = _song(voice, prompt, seed, samples.WITH_PRECHORUS)
    by_kind = {kind: [[n.midi for n in p.notes] for p in _phrases(arr, kind)]
               for kind in ("verse", "prechorus", "chorus", "bridge")}
    first, second = by_kind["prechorus"][:2]
    assert mean(second) > mean(first) and max(second) >= max(first)
    verse, chorus = (mean(m for line in by_kind[k] for m in line) for k in ("verse", "chorus"))
    assert verse < mean(first + second) < chorus
    bridge = by_kind["bridge"]
    assert mean(m for line in bridge for m in line[: len(line) // 2]) > mean(m for line in bridge for m in line[len(line) // 2:])
