"""Song options travel as data next to the message and win over its words; intent rules stay linear.

Over real HTTP against the embedded backend: `state_delta.song_options` in the `/run_sse` body,
checked in one place (a bad value is 400 naming the field), and a cap on tool calls per message.
"""

import json
import time

import pytest
from httpx_sse import connect_sse

from nemo_widgets.backend.intents import TooManyChanges, overruled, understand
from nemo_widgets.engine.spec import parse_spec
from nemo_widgets.protocol.names import MAX_SEED, MAX_TOOL_CALLS
from nemo_widgets.protocol.options import OptionError, SongOptions
from tests.backend.conftest import serving
from tests.conftest import LYRICS_DIR


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("options")) as (client, store):
        token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "options-tests"}).json()["data"]["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def _session(client):
    return client.post("/api/tasks/me/with-session/nemo_agent", json={}).json()["data"]["session_id"]


def _body(session_id, text, options=None):
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": session_id, "new_message": {"parts": [{"text": text}]}}
    if options is not None:
        body["state_delta"] = {"song_options": options}
    return body


def _turn(client, session_id, text, options=None):
    with connect_sse(client, "POST", "/run_sse", json=_body(session_id, text, options),
                     headers={"Accept": "text/event-stream"}) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream"), source.response.read()
        return [json.loads(sse.data) for sse in source.iter_sse()]


def _state(client, session_id):
    return client.get(f"/api/state/nemo_agent/me/{session_id}/latest").json()["data"]["state"]


def _responses(events):
    return [p["functionResponse"] for e in events for p in e.get("content", {}).get("parts", []) if "functionResponse" in p]


@pytest.fixture(scope="module")
def female_song(backend):
    """A song asked for with "male vocals" in the prompt but voice=female and seed=7 as options."""
    session_id = _session(backend)
    lyrics = (LYRICS_DIR / "summer.txt").read_text()
    events = _turn(backend, session_id, f"an upbeat pop song with male vocals, seed 3, female vocals, seed 7:\n{lyrics}",
                   {"voice": "female", "seed": 7})
    return session_id, events


@pytest.mark.slow
def test_explicit_options_win_over_the_prompts_words(backend, female_song):
    session_id, events = female_song
    assert [r["response"]["status"] for r in _responses(events)] == ["ok"]
    song = _state(backend, session_id)["generated_media"][-1]
    assert (song["voice"], song["seed"]) == ("female", 7)
    reply = [p["text"] for e in events if e.get("turnComplete") for p in e["content"]["parts"] if "text" in p]
    assert reply and reply[-1].endswith("Note: the female voice sings as chosen, not the male one the text asks for.")


@pytest.mark.slow
def test_an_instrumental_at_9_16_is_made_and_shown_at_9_16(backend):
    session_id = _session(backend)
    events = _turn(backend, session_id, "a chill lo-fi song, instrumental, aspect 9:16, 2 minutes long",
                   {"instrumental": True, "aspect": "9:16", "duration": 20})
    assert [r["response"]["status"] for r in _responses(events)] == ["ok", "ok"], events[-1]
    state = _state(backend, session_id)
    assert state["canvas_config"] == {"aspect": "9:16", "width": 1080, "height": 1920}
    song = state["generated_media"][-1]
    assert song["instrumental"] is True and song["duration"] < 60  # the shortest form near 20 s, not 2 minutes


@pytest.mark.parametrize(("prompt", "seconds"), [
    ("a lo-fi instrumental, aspect 9:16", None), ("pop at 16:9", None), ("square 1:1 video, seed 3", None),
    ("an instrumental, 1:30 long", 90), ("rock, 19:16", 19 * 60 + 16)])
def test_aspect_ratios_are_never_read_as_lengths_or_tempos(prompt, seconds):
    spec = parse_spec(prompt, seed=1)  # the seed picks the tempo: the same seed for both readings
    assert spec.target_seconds == seconds
    assert spec.bpm == parse_spec(prompt.replace("16:9", "").replace("9:16", "").replace("1:1", ""), seed=1).bpm


@pytest.mark.parametrize(("options", "field"), [
    ({"voice": "alto"}, "voice"),
    ({"aspect": "4:3"}, "aspect"),
    ({"seed": -1}, "seed"),
    ({"seed": MAX_SEED + 1}, "seed"),
    ({"seed": "3"}, "seed"),
    ({"seed": True}, "seed"),
    ({"seed": 2.5}, "seed"),
    ({"title": "x" * 101}, "title"),
    ({"title": "two\nlines"}, "title"),
    ({"title": 5}, "title"),
    ({"instrumental": "yes"}, "instrumental"),
    ({"duration": 2}, "duration"),
    ({"duration": 100000}, "duration"),
    ({"duration": "long"}, "duration"),
    ({"tempo": 120}, "tempo"),
    (["female"], "song_options"),
])
def test_bad_options_are_refused_naming_the_field(backend, options, field):
    session_id = _session(backend)
    before = backend.get("/api/credits/balance/simple").json()["data"]["available"]
    response = backend.post("/run_sse", json=_body(session_id, "pop song:\nline one here\nline two here", options))
    assert response.status_code == 400, response.text
    envelope = response.json()
    assert envelope["code"] == 400 and f"`{field}`" in envelope["message"] and envelope["data"]["field"] == field
    assert backend.get("/api/credits/balance/simple").json()["data"]["available"] == before


def test_a_state_delta_that_is_not_an_object_is_refused(backend):
    body = {**_body(_session(backend), "make it 9:16"), "state_delta": "voice=female"}
    response = backend.post("/run_sse", json=body)
    assert response.status_code == 400 and response.json()["data"]["field"] == "state_delta"


def test_options_round_trip_and_say_themselves_in_words():
    options = SongOptions(voice="male", seed=3, aspect="9:16", title=" Summer ", duration=30)
    assert SongOptions.from_wire(options.to_wire()) == options
    assert options.to_wire() == {"voice": "male", "seed": 3, "aspect": "9:16", "title": "Summer", "duration": 30.0}
    assert options.words() == ["male vocals", "seed 3", "aspect 9:16", "30 seconds long", "add the title Summer"]
    assert SongOptions.from_wire(None) == SongOptions() and not SongOptions().given
    with pytest.raises(OptionError, match="`voice`"):
        SongOptions.from_wire({"voice": "tenor"})


def test_options_set_the_tool_calls_whatever_the_words_say():
    calls = understand("a song with male vocals, aspect 9:16, add the title Old:\nline one\nline two", has_song=False,
                       options=SongOptions(voice="female", seed=4, aspect="1:1", title="New"))
    assert [(c.name, c.args) for c in calls] == [
        ("generate_song", {"lyrics": "line one\nline two", "prompt": "a song with male vocals, aspect 9:16",
                           "voice": "female", "seed": 4}),
        ("set_aspect", {"aspect": "1:1"}),
        ("set_title", {"text": "New"})]
    remake = understand("instrumental, 9:16", has_song=True, options=SongOptions(instrumental=True))
    assert remake[0].args["instrumental"] is True and "lyrics" in remake[0].args


def test_the_reply_says_which_words_the_options_overruled():
    message = "a pop song for TikTok with male vocals, instrumental:\nline one\nline two"
    assert overruled(message, SongOptions(aspect="1:1", voice="female", instrumental=False)) == [
        "the video is 1:1 as chosen, not 9:16 as the text says",
        "the female voice sings as chosen, not the male one the text asks for",
        "it is sung as chosen, though the text says instrumental"]
    assert overruled(message, SongOptions(aspect="9:16", voice="male")) == []
    assert overruled("a square song with a female singer:\nla\nla", SongOptions()) == []


ADVERSARIAL = {
    "trim": "trim " * 20_000,
    "cut to": "cut to " * 14_000,
    "title": "add the title " * 7_000,
    "title spaces": "title" + " " * 100_000 + "x",
    "open quotes": "“" * 100_000,
    "straight quotes": '"a' * 50_000,
    "fade": "fade in over the last " * 4_500,
    "fade spaces": "fade in" + " " * 100_000 + "x",
    "volume": "bgm volume to " * 7_000,
    "digits": "1" * 100_000 + "x",
    "decimals": "1." * 50_000 + "x",
    "key": "in a" + " " * 100_000 + "z",
    "key letters": "a" + " " * 100_000 + "z",
    "tempo": "at" + " " * 100_000 + "x",
    "lyrics": "no " * 33_000,
    "background": "my video as " * 8_000,
    "genre": "xpopx " * 16_000,
    "mood": "sad-" * 25_000,
    "seed": "seed " + "1" * 100_000 + "x",
    "aspect": "9:16:" * 20_000,
    "voice": "male " * 20_000,
}


@pytest.mark.parametrize("has_song", [False, True])
@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_understanding_is_linear_on_adversarial_text(name, has_song):
    understand("warm up: an upbeat pop song in A minor, 9:16, fade in 2 s", has_song)
    started = time.perf_counter()
    try:
        understand(ADVERSARIAL[name], has_song)
    except TooManyChanges:
        pass
    assert time.perf_counter() - started < 1.0


@pytest.mark.slow
def test_a_message_with_too_many_changes_is_refused_before_the_stream(backend, female_song):
    session_id, _ = female_song
    many = ", ".join(f"bgm to {10 + i}%" for i in range(MAX_TOOL_CALLS + 1))
    response = backend.post("/run_sse", json=_body(session_id, many))
    assert response.status_code == 400
    envelope = response.json()
    assert envelope["code"] == 400 and str(MAX_TOOL_CALLS) in envelope["message"]
    assert envelope["data"] == {"max_tool_calls": MAX_TOOL_CALLS}
    started = time.perf_counter()
    events = _turn(backend, session_id, "trim " * 3_900)
    assert time.perf_counter() - started < 2.0 and events[-1]["turnComplete"] is True
