"""The band: every genre plays drums, bass and chords that follow the harmony, and stays out of the voice's way."""

import numpy as np
import pytest

from nemo_widgets.engine.band import arrange_band, choose_band, render_band
from nemo_widgets.engine.band.events import DRUM_CHANNEL, swung
from nemo_widgets.engine.compose import compose
from nemo_widgets.engine.genres import PRESETS
from nemo_widgets.engine.harmony import chord_at
from nemo_widgets.engine.lyrics import parse_lyrics
from nemo_widgets.engine.model import SAMPLE_RATE
from nemo_widgets.engine.spec import parse_spec


def _song(lyrics_text, genre, seed=4):
    return compose(parse_lyrics(lyrics_text), parse_spec(genre, seed=seed))


@pytest.mark.parametrize("genre", sorted(PRESETS))
def test_every_genre_plays_its_parts_inside_the_song(genre, short_lyrics):
    arr = _song(short_lyrics, PRESETS[genre].aliases[0])
    assert arr.spec.genre == genre
    events = arrange_band(arr, PRESETS[genre])
    role = {layer.name: layer.role for layer in choose_band(PRESETS[genre], arr.spec.seed).layers}
    assert {"Drums", "bass", "chords"} <= {role.get(e.track, e.track) for e in events}
    assert all(0 <= e.start and e.start + e.duration <= arr.total_beats + 1e-6 for e in events)
    assert all(0 <= e.midi <= 127 and 1 <= e.velocity <= 127 for e in events)
    assert all(e.channel == DRUM_CHANNEL for e in events if e.track == "Drums")
    chords = tuple(c for s in arr.sections for c in s.chords)
    downbeat_bass = [e for e in events if role.get(e.track) == "bass" and abs(e.start - round(e.start)) < 1e-6
                     and e.start % 4 == 0]
    assert downbeat_bass
    assert all(e.midi % 12 == chord_at(chords, e.start).root for e in downbeat_bass)


def test_counter_line_leaves_the_voice_alone(full_lyrics):
    arr = _song(full_lyrics, "pop")
    lines = {layer.name for layer in choose_band(PRESETS["pop"], arr.spec.seed).layers if layer.role == "counter"}
    counter = [e for e in arrange_band(arr, PRESETS["pop"]) if e.track in lines]
    assert counter
    for e in counter:
        for n in arr.notes:
            assert not (e.start < n.start + n.duration and n.start < e.start + e.duration), (e, n)


def test_choruses_play_harder_than_intros(full_lyrics):
    arr = _song(full_lyrics, "rock")
    events = arrange_band(arr, PRESETS["rock"])
    def density(kind):
        sections = [s for s in arr.sections if s.kind == kind]
        beats = sum(s.bars * arr.beats_per_bar for s in sections)
        hits = [e for e in events if e.track == "Drums" and any(s.start <= e.start < s.end(arr.beats_per_bar) for s in sections)]
        return len(hits) / beats
    assert density("chorus") > density("intro") * 1.5


def test_same_seed_same_band_and_swing(short_lyrics):
    arr = _song(short_lyrics, "lofi")
    assert arrange_band(arr, PRESETS["lofi"]) == arrange_band(arr, PRESETS["lofi"])
    other = _song(short_lyrics, "lofi", seed=5)
    assert arrange_band(arr, PRESETS["lofi"]) != arrange_band(other, PRESETS["lofi"])
    assert swung(2.5, 0.2) == pytest.approx(2.6) and swung(3.0, 0.2) == 3.0


def test_rendered_band_is_stereo_full_length_and_not_clipping(short_lyrics):
    arr = _song(short_lyrics, "folk")
    audio = render_band(arrange_band(arr, PRESETS["folk"]), arr)
    assert audio.dtype == np.float32 and audio.shape[1] == 2
    assert arr.duration_seconds * SAMPLE_RATE <= len(audio) <= (arr.duration_seconds + 2.5) * SAMPLE_RATE
    body = audio[: int(arr.duration_seconds * SAMPLE_RATE)]
    window = SAMPLE_RATE
    rms = [np.sqrt(np.mean(body[i : i + window] ** 2)) for i in range(0, len(body) - window, window)]
    assert min(rms) > 1e-3
    assert np.max(np.abs(audio)) < 2.0
