"""Arrangements that build and genres that sound like their name (issue 11, items 6 and 7).

Score-level checks read `arrange_band`'s events; the loudness check renders the band alone (no voice)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from nemo_widgets.engine.band import arrange_band, choose_band, render_band
from nemo_widgets.engine.band.grooves import CLAP, CRASH, HAT, KICK, SNARE
from nemo_widgets.engine.compose import compose
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.lyrics import parse_lyrics
from nemo_widgets.engine.model import SAMPLE_RATE
from nemo_widgets.engine.spec import parse_spec

from . import samples

SEEDS = range(6)


def _song(genre, seed=11, text=samples.TAGGED):
    arr = compose(parse_lyrics(text), parse_spec(PRESETS[genre].aliases[0], seed=seed))
    return arr, arrange_band(arr, PRESETS[genre])


def _roles(arr):
    return {layer.name: layer for layer in choose_band(PRESETS[arr.spec.genre], arr.spec.seed).layers}


def _inside(events, start, end):
    return [e for e in events if start - 1e-6 <= e.start < end - 1e-6]


def _db(x):
    return 20 * np.log10(max(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))), 1e-9))


@pytest.mark.slow
@pytest.mark.parametrize("genre", sorted(PRESETS))
def test_sung_sections_differ_by_at_least_3_db_and_choruses_are_loudest(genre):
    arr, events = _song(genre)
    audio = render_band(events, arr)
    levels = {}
    for i, s in enumerate(arr.sections):
        if s.sung:
            a, b = (int(arr.seconds(x) * SAMPLE_RATE) for x in (s.start, s.end(arr.beats_per_bar)))
            levels[i] = _db(audio[a:b])
    loudest, quietest = max(levels, key=levels.get), min(levels, key=levels.get)
    assert levels[loudest] - levels[quietest] >= 3.0, levels
    assert arr.sections[loudest].kind == "chorus" and arr.sections[quietest].kind != "chorus"


@pytest.mark.parametrize("genre", sorted(PRESETS))
def test_choruses_are_fuller_than_verses_and_the_breakdown_is_stripped(genre):
    arr, events = _song(genre)
    bpb = arr.beats_per_bar

    def fullness(kind_or_index, build_bars=0):
        chosen = [s for i, s in enumerate(arr.sections) if kind_or_index in (s.kind, i)]
        notes = [e for s in chosen for e in _inside(events, s.start, s.end(bpb) - build_bars * bpb)]
        beats = sum((s.bars - build_bars) * bpb for s in chosen)
        velocity = {t: np.mean([e.velocity for e in notes if e.track == t]) for t in {e.track for e in notes}}
        return len(set(velocity) - {"Riser"}), len(notes) / beats, velocity

    chorus, verse = fullness("chorus"), fullness("verse")
    assert chorus[0] > verse[0] and chorus[1] > verse[1]
    shared = set(chorus[2]) & set(verse[2]) - {"Riser"}
    assert all(chorus[2][t] > verse[2][t] for t in shared)  # every player plays harder in the chorus
    last_chorus = max(i for i, s in enumerate(arr.sections) if s.kind == "chorus")
    breakdown = fullness(last_chorus - 1, build_bars=2)  # stripped down, then the build into the chorus
    assert breakdown[0] < chorus[0] and breakdown[1] < verse[1]


@pytest.mark.parametrize("genre", sorted(PRESETS))
def test_a_riser_and_a_snare_roll_lead_into_every_chorus(genre):
    arr, events = _song(genre)
    bpb = arr.beats_per_bar
    for i, s in enumerate(arr.sections):
        if s.kind != "chorus" or arr.sections[i - 1].kind == "chorus":
            continue
        risers = [e for e in events if e.track == "Riser" and abs(e.start + e.duration - s.start) < 1e-6]
        assert risers and risers[0].program == 119  # GM Reverse Cymbal, swelling into the downbeat
        roll = [e for e in _inside(events, s.start - bpb, s.start) if e.track == "Drums" and e.midi == SNARE]
        assert len(roll) >= 8
        assert np.mean([e.velocity for e in roll[len(roll) // 2:]]) > np.mean([e.velocity for e in roll[:len(roll) // 2]])
        downbeat = [e for e in _inside(events, s.start, s.start + 0.05) if e.track == "Drums"]
        assert {CRASH, KICK} <= {e.midi for e in downbeat}


def test_edm_builds_then_drops_with_everything():
    arr, events = _song("edm")
    bpb = arr.beats_per_bar
    for i, s in enumerate(arr.sections):
        if s.kind != "chorus" or arr.sections[i - 1].kind == "chorus":
            continue
        gap = [e for e in _inside(events, s.start - 1, s.start) if e.track != "Riser"]
        assert gap == []  # a beat of silence under the riser
        roll = [e.start for e in _inside(events, s.start - 2 * bpb, s.start) if e.midi == SNARE and e.track == "Drums"]
        assert min(np.diff(roll)) < max(np.diff(roll))  # the roll speeds up
        drop = {e.track for e in _inside(events, s.start, s.start + 1)}
        assert drop >= {layer.name for layer in _roles(arr).values() if layer.enter <= s.energy < layer.leave
                        and layer.role != "counter"}


def test_the_song_ends_on_one_held_hit():
    for genre in sorted(PRESETS):
        arr, events = _song(genre)
        last_bar = arr.total_beats - arr.beats_per_bar
        tail = [e for e in events if e.start >= last_bar - 1e-6]
        pitched = [e for e in tail if e.track != "Drums"]
        assert pitched and all(e.start < last_bar + 0.1 for e in tail), genre
        assert all(e.start + e.duration >= arr.total_beats - 0.1 for e in pitched)  # held to the end, then rings
        assert {CRASH, KICK} <= {e.midi for e in tail if e.track == "Drums"}


def test_rock_doubles_overdriven_power_chords_hard_left_and_right():
    for seed in SEEDS:
        arr, events = _song("rock", seed)
        guitars = [layer for layer in _roles(arr).values() if layer.style == "power"]
        assert {g.pan for g in guitars} == {-1.0, 1.0} and all("drive" in g.fx for g in guitars)
        assert len({g.tune for g in guitars}) == 2  # two takes, a few cents apart
        assert len({g.program for g in guitars}) == 1 and guitars[0].program in (29, 30)
        left, right = ([e for e in events if e.track == g.name] for g in guitars)
        chorus = next(s for s in arr.sections if s.kind == "chorus")
        lefts = [e.start for e in _inside(left, chorus.start, chorus.start + 4)]
        rights = [e.start for e in _inside(right, chorus.start, chorus.start + 4)]
        assert lefts and len(lefts) == len(rights) and all(0 < r - l < 0.05 for l, r in zip(sorted(lefts), sorted(rights)))
        first = sorted(e.midi for e in left if e.start == left[0].start)
        assert first[1] - first[0] in (6, 7) and first[2] - first[0] == 12  # root, fifth, octave


def test_pop_claps_on_the_backbeat_with_bright_synths_or_guitars():
    for seed in SEEDS:
        arr, events = _song("pop", seed)
        chorus = next(s for s in arr.sections if s.kind == "chorus")
        claps = [e.start - chorus.start for e in _inside(events, chorus.start, chorus.start + 4)
                 if e.track == "Drums" and e.midi == CLAP]
        assert any(abs(c - 1) < 0.05 for c in claps) and any(abs(c - 3) < 0.05 for c in claps)
        assert {layer.program for layer in _roles(arr).values()} & {0, 27, 28, 80, 81, 90}


def test_edm_is_four_on_the_floor_with_a_pumping_supersaw():
    for seed in SEEDS:
        arr, events = _song("edm", seed)
        chorus = next(s for s in arr.sections if s.kind == "chorus")
        kicks = {round(e.start - chorus.start, 3) for e in _inside(events, chorus.start, chorus.start + 8)
                 if e.track == "Drums" and e.midi == KICK}
        assert {0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0} <= kicks
        saws = [layer for layer in _roles(arr).values() if layer.program == 81 and "wide" in layer.fx]
        assert any("pump" in layer.fx for layer in _roles(arr).values())
        assert {-0.12, 0.0, 0.12} <= {layer.tune for layer in saws}  # detuned saws stacked: the supersaw


def test_hiphop_has_an_808_and_trap_hat_rolls():
    arr, events = _song("hiphop")
    sub = [e for e in events if _roles(arr).get(e.track) and _roles(arr)[e.track].role == "bass"]
    assert sub and max(e.midi for e in sub) < 36 and np.median([e.duration for e in sub]) >= 1.0
    hats = sorted(e.start for e in events if e.track == "Drums" and e.midi == HAT)
    assert min(np.diff(hats)) <= 1 / 6 + 1e-6  # 32nds or sixteenth triplets: the roll


def test_folk_is_finger_picked():
    for seed in SEEDS:
        arr, events = _song("folk", seed)
        picked = [layer for layer in _roles(arr).values() if layer.style == "pick"]
        assert picked and picked[0].program in (24, 25)
        verse = next(s for s in arr.sections if s.kind == "verse")
        bar = sorted(_inside([e for e in events if e.track == picked[0].name], verse.start, verse.start + 4),
                     key=lambda e: e.start)
        onsets = [round(e.start - verse.start, 2) for e in bar]
        assert {0.0, 1.0, 2.0, 3.0} <= set(onsets) and {0.5, 1.5, 2.5, 3.5} <= set(onsets)
        assert all(len([o for o in onsets if o == t]) == 1 for t in (0.0, 0.5, 1.0))  # single notes, not strums
        thumbs = [e.midi for e in bar if e.start - verse.start in (0.0, 1.0)]
        assert thumbs[0] != thumbs[1]  # the thumb alternates bass notes


def test_rnb_swings_its_sixteenths_on_an_electric_piano():
    arr, events = _song("rnb")
    verse = next(s for s in arr.sections if s.kind == "verse")
    hats = [(e.start - verse.start) % 1 for e in _inside(events, verse.start, verse.end(4))
            if e.track == "Drums" and e.midi == HAT]
    off = [h for h in hats if 0.2 < h < 0.45 or 0.7 < h < 0.95]
    assert off and all(abs(h - 0.25) > 0.04 and abs(h - 0.75) > 0.04 for h in off)  # late, not on the grid
    keys = [layer for layer in _roles(arr).values() if layer.program in (4, 5)]
    assert keys and "tremolo" in keys[0].fx
    assert any(layer.style == "syncopated" for layer in _roles(arr).values())


def test_ballad_is_piano_and_strings_played_freely():
    for seed in SEEDS:
        arr, events = _song("ballad", seed)
        programs = {layer.program for layer in _roles(arr).values()}
        assert programs & {0, 24} and programs & {48, 49}
    arr, events = _song("ballad", 0)
    piano = [e.start % 0.5 for e in events if _roles(arr).get(e.track) and _roles(arr)[e.track].style == "rolled"]
    assert piano and sum(0.01 < p < 0.49 for p in piano) > len(piano) / 2  # rolled and rubato, off the grid


def test_lofi_keys_are_dusty_and_the_drums_swing():
    arr, events = _song("lofi")
    assert any("dusty" in layer.fx for layer in _roles(arr).values() if layer.role == "chords")
    hats = [e.start % 1 for e in events if e.track == "Drums" and e.midi == HAT]
    assert any(abs(h - (0.5 + 0.5 * PRESETS["lofi"].swing)) < 0.02 for h in hats)


@pytest.mark.parametrize("genre", sorted(PRESETS))
def test_seeds_choose_different_bands_tempos_and_progressions(genre):
    songs = [_song(genre, seed) for seed in SEEDS]
    bands = {choose_band(PRESETS[genre], arr.spec.seed).name for arr, _ in songs}
    tempos = {arr.bpm for arr, _ in songs}
    progressions = {tuple((c.root, c.quality) for c in arr.sections[1].chords[:4]) for arr, _ in songs}
    instruments = {frozenset(e.program for e in events if e.track != "Drums") for _, events in songs}
    assert len(bands) >= 2 and len(instruments) >= 2 and len(tempos) >= 3 and len(progressions) >= 2
    (a, _), (b, _) = songs[1], songs[2]
    assert a.bpm != b.bpm or a.sections[1].chords != b.sections[1].chords


def test_genres_do_not_share_a_sound():
    """The lead chord instruments and grooves of the eight genres are not one guitar-led template."""
    signatures = {}
    for genre in PRESETS:
        arr, events = _song(genre, 0)
        counts = Counter(e.program for e in events if e.track != "Drums" and e.track != "Riser")
        signatures[genre] = (PRESETS[genre].groove, counts.most_common(1)[0][0])
    assert len(set(signatures.values())) == len(PRESETS)
