"""The one draft model: protocol JSON in and out unchanged, the chat agent's edits as its methods, and the lenient
reading the controller uses for drafts from anywhere."""

import copy
import json

import pytest

from nemo_widgets.protocol.draft import TITLE_MS, Draft, DraftEditError, has_segments
from nemo_widgets.protocol.names import TRACK_AUDIO, TRACK_TEXT, TRACK_VIDEO

SONG = {
    "t": [
        {"tt": TRACK_VIDEO, "n": "Background", "sg": [{"st": 0, "d": 20000, "role": "background",
                                                       "style": {"genre": "pop", "visualizer": "waveform"}}]},
        {"tt": TRACK_AUDIO, "n": "Song", "sg": [{"st": 0, "d": 20000, "role": "song", "src": "song_3f2a9c1b7e10"}]},
        {"tt": TRACK_TEXT, "n": "Text", "sg": [{"st": 0, "d": 3500, "role": "title", "text": "Summer Nights"},
                                               {"st": 0, "d": 20000, "role": "lyrics", "timing": "song_3f2a9c1b7e10"}]},
    ],
    "d": 20000,
    "m": {"title": "Summer Nights", "genre": "pop", "bpm": None},
}
EMPTY = {"t": [], "m": {}}  # a new session's draft


def _draft(data=SONG) -> Draft:
    return Draft.model_validate(copy.deepcopy(data))


def _segments(wire, role):
    return [s for track in wire["t"] for s in track["sg"] if s["role"] == role]


def test_a_draft_round_trips_through_the_model_unchanged():
    cloud = copy.deepcopy(SONG)
    cloud["t"][1]["sg"][0].update(vol=0.5, fade_in=250, trim_in=100, effect={"kind": "echo"})
    cloud["t"][1]["locked"] = True
    cloud["version"] = 3
    for data in (SONG, EMPTY, cloud):
        assert _draft(data).to_wire() == data
    assert json.dumps(_draft(SONG).to_wire()) == json.dumps(SONG)  # the backend's drafts: byte for byte


def test_set_volume():
    draft = _draft()
    draft.set_volume("song", 60)
    assert _segments(draft.to_wire(), "song")[0]["vol"] == 0.6
    draft.set_volume("song", 900)
    assert _segments(draft.to_wire(), "song")[0]["vol"] == 4.0
    with pytest.raises(DraftEditError, match="^There is no BGM track to change yet.$"):
        draft.set_volume("bgm", 20)
    with pytest.raises(DraftEditError, match="^There is no song track to change yet.$"):
        _draft(EMPTY).set_volume("song", 20)


def test_set_background():
    draft = _draft()
    draft.set_background("up_8d1e0f2a4b6c")
    assert _segments(draft.to_wire(), "background")[0]["src"] == "up_8d1e0f2a4b6c"
    draft.set_background(None)
    assert draft.to_wire() == SONG  # the generated background again: no `src` key at all
    with pytest.raises(DraftEditError, match="^Make a song first, then choose its background.$"):
        _draft(EMPTY).set_background("up_8d1e0f2a4b6c")


def test_add_bgm_replaces_the_bgm_track():
    draft = _draft()
    draft.add_bgm("up_aaaa", 3000)
    draft.add_bgm("up_bbbb", 0)  # length unknown: as long as the video
    wire = draft.to_wire()
    assert _segments(wire, "bgm") == [{"st": 0, "d": 20000, "role": "bgm", "src": "up_bbbb", "vol": 0.35,
                                       "fade_out": 2000}]
    assert wire["t"][-1]["tt"] == TRACK_AUDIO and wire["t"][-1]["n"] == "BGM"
    short = _draft()
    short.add_bgm("up_aaaa", 3000)
    assert _segments(short.to_wire(), "bgm")[0]["d"] == 3000
    with pytest.raises(DraftEditError, match="^Make a song first, then add background music to it.$"):
        _draft(EMPTY).add_bgm("up_aaaa", 3000)


def test_set_fade():
    draft = _draft()
    draft.set_fade("out", 3000)
    draft.set_fade("in", 60_000)  # at most the segment's length
    song = _segments(draft.to_wire(), "song")[0]
    assert (song["fade_in"], song["fade_out"]) == (20000, 3000)
    with pytest.raises(DraftEditError, match="^There is no audio to fade yet.$"):
        _draft(EMPTY).set_fade("in", 1000)


def test_trim():
    draft = _draft()
    draft.add_bgm("up_aaaa", 0)
    draft.trim(2000)
    wire = draft.to_wire()
    assert wire["d"] == 2000 and draft.duration_ms == 2000
    assert all(s["st"] + s["d"] <= 2000 for track in wire["t"] for s in track["sg"])
    late = _draft()
    late.t[2].sg[0].st = 19000
    late.trim(5000)
    assert [s.role for s in late.segments(TRACK_TEXT)] == ["lyrics"]  # the title started after the cut
    for too_long_or_short in (500, 20000, 25000):
        with pytest.raises(DraftEditError, match=r"^The video is 20\.0 s long: trim it to between 1 s and that\.$"):
            _draft().trim(too_long_or_short)


def test_set_title():
    draft = _draft()
    draft.set_title("Winter Days")
    assert _segments(draft.to_wire(), "title") == [{"st": 0, "d": TITLE_MS, "role": "title", "text": "Winter Days"}]
    assert draft.to_wire()["t"][2]["sg"][0]["role"] == "title"  # the title comes first
    draft.set_title("")
    assert _segments(draft.to_wire(), "title") == []
    empty = _draft(EMPTY)  # no song yet: the title gets its own text track
    empty.set_title("Soon")
    assert empty.to_wire() == {"t": [{"tt": TRACK_TEXT, "n": "Text", "sg": [
        {"st": 0, "d": TITLE_MS, "role": "title", "text": "Soon"}]}], "m": {}}


def test_set_lyrics():
    draft = _draft()
    draft.set_lyrics(None)
    assert _segments(draft.to_wire(), "lyrics") == []
    draft.set_lyrics("song_0123456789ab")
    assert _segments(draft.to_wire(), "lyrics") == [{"st": 0, "d": 20000, "role": "lyrics",
                                                     "timing": "song_0123456789ab"}]


def test_carry_edits_from_the_previous_song():
    old = _draft()
    old.set_background("up_cccc")
    old.add_bgm("up_aaaa", 0)
    old.set_title("Kept")
    new = _draft()
    new.carry_edits_from(old)
    wire = new.to_wire()
    assert _segments(wire, "background")[0]["src"] == "up_cccc"
    assert [s["src"] for s in _segments(wire, "bgm")] == ["up_aaaa"]
    assert [s["text"] for s in _segments(wire, "title")] == ["Kept"]
    fresh = _draft()
    fresh.carry_edits_from(_draft(EMPTY))
    assert fresh.to_wire() == SONG
    untouched = _draft()  # the previous song kept its own title: the new song shows the new one
    newer = _draft({**SONG, "t": [*SONG["t"][:2], {"tt": TRACK_TEXT, "n": "Text", "sg": [
        {"st": 0, "d": 3500, "role": "title", "text": "Winter Days"}]}], "m": {"title": "Winter Days"}})
    newer.carry_edits_from(untouched)
    assert [s["text"] for s in _segments(newer.to_wire(), "title")] == ["Winter Days"]
    removed = _draft()
    removed.set_title("")
    again = _draft()
    again.carry_edits_from(removed)
    assert _segments(again.to_wire(), "title") == []  # the user removed the title: it stays removed


def test_the_lenient_reading_keeps_what_validates_and_never_raises():
    cloud = {"t": [{"tt": 2, "sg": [{"st": 0, "d": 1000, "role": "sticker"}]},
                   {"tt": TRACK_AUDIO, "n": "Mix", "sg": [{"st": 0, "d": 5000, "role": "bgm", "src": "beat.mp3"},
                                                          {"st": -4, "d": "long", "role": "bgm"},
                                                          {"st": 0, "d": 5000, "role": "title"}, "junk"]},
                   "junk"],
           "d": "soon", "m": ["not", "an", "object"]}
    draft = Draft.lenient(cloud)
    assert [(t.tt, [s.src for s in t.sg]) for t in draft.t] == [(TRACK_AUDIO, ["beat.mp3"])]
    assert draft.d is None and draft.m == {} and draft.duration_ms == 5000
    for junk in (None, [], "text", {"t": "tracks"}, {"t": [{"sg": None}]}):
        assert Draft.lenient(junk).t == []
    assert Draft.lenient(SONG).to_wire() == _draft().to_wire()


def test_has_segments_looks_at_any_draft():
    assert has_segments(SONG) and has_segments({"t": [{"tt": 2, "sg": [{"role": "sticker"}]}]})
    assert not any(has_segments(d) for d in (None, EMPTY, {"t": [{"tt": 1, "sg": []}]}, {"t": "x"}, []))
