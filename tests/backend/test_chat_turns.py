"""Chat turns over `POST /run_sse`, parsed with httpx-sse: a real song, then edits of its draft."""

import json

import pytest
from httpx_sse import connect_sse

from nemo_widgets.backend import prices
from tests.backend.conftest import serving
from tests.conftest import LYRICS_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("backend")) as (client, store):
        token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "chat-tests"}).json()["data"]["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, store


def _session(client):
    return client.post("/api/tasks/me/with-session/nemo_agent", json={"task_name": "project", "language": "en"}).json()["data"]["session_id"]


def _turn(client, session_id, text):
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": session_id, "new_message": {"parts": [{"text": text}]}}
    with connect_sse(client, "POST", "/run_sse", json=body, headers={"Accept": "text/event-stream"}) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream"), source.response.read()
        return [json.loads(sse.data) for sse in source.iter_sse()]


def _state(client, session_id):
    return client.get(f"/api/state/nemo_agent/me/{session_id}/latest").json()["data"]["state"]


def _parts(events, key):
    return [p[key] for e in events for p in e.get("content", {}).get("parts", []) if key in p]


@pytest.fixture(scope="module")
def song_session(backend):
    client, _ = backend
    session_id = _session(client)
    lyrics = (LYRICS_DIR / "summer.txt").read_text()
    events = _turn(client, session_id, f"generate an upbeat pop song with vocals from these lyrics:\n{lyrics}")
    return session_id, events


def test_a_turn_makes_a_song_with_adk_events(backend, song_session):
    client, _ = backend
    session_id, events = song_session
    assert all(e["author"] == "nemo_agent" and e["invocationId"] == events[0]["invocationId"] for e in events)
    assert _parts(events, "text")[0] == "On it."
    calls, responses = _parts(events, "functionCall"), _parts(events, "functionResponse")
    assert [c["name"] for c in calls] == [r["name"] for r in responses] == ["generate_song"]
    assert calls[0]["id"] == responses[0]["id"] and responses[0]["response"]["status"] == "ok"
    progress = [e["actions"]["stateDelta"]["progress"] for e in events if "progress" in e.get("actions", {}).get("stateDelta", {})]
    assert progress and progress[-1]["percent"] == 100 and {"stage", "percent"} <= set(progress[0])
    assert [p["percent"] for p in progress] == sorted(p["percent"] for p in progress)
    assert events[-1]["turnComplete"] is True and "is ready" in _parts(events, "text")[-1]
    state = _state(client, session_id)
    assert [m["kind"] for m in state["generated_media"]] == ["song"]
    assert {t["tt"] for t in state["draft"]["t"]} == {0, 1, 7}
    credits = client.get("/api/credits/balance/simple").json()["data"]
    assert credits["available"] == 100 - prices.GENERATE_SONG


def test_edits_change_the_draft_at_once_and_cost_nothing(backend, song_session):
    client, _ = backend
    session_id, _ = song_session
    before = client.get("/api/credits/balance/simple").json()["data"]["available"]
    events = _turn(client, session_id, "make it 9:16 for TikTok")
    assert "9:16" in _parts(events, "text")[-1]
    assert _state(client, session_id)["canvas_config"] == {"aspect": "9:16", "width": 1080, "height": 1920}
    _turn(client, session_id, 'add the title "Summer Nights"')
    titles = [s["text"] for t in _state(client, session_id)["draft"]["t"] for s in t["sg"] if s["role"] == "title"]
    assert titles == ["Summer Nights"]
    _turn(client, session_id, "hide the lyrics")
    roles = [s["role"] for t in _state(client, session_id)["draft"]["t"] for s in t["sg"]]
    assert "lyrics" not in roles and "title" in roles
    assert client.get("/api/credits/balance/simple").json()["data"]["available"] == before


def test_unknown_requests_get_the_closest_actions_and_help_gets_everything(backend, song_session):
    client, _ = backend
    before = _state(client, song_session[0])["draft"]
    events = _turn(client, song_session[0], "could you change the background colour?")
    text, = _parts(events, "text")
    assert text.startswith("I can't do that yet. Closest I can do: use an upload as the background or BGM")
    assert len(text.split()) < 45 and events[-1]["turnComplete"] is True
    assert _parts(events, "functionCall") == [] and _state(client, song_session[0])["draft"] == before
    help_text, = _parts(_turn(client, song_session[0], "help"), "text")
    assert help_text.startswith("I can make a song from lyrics you paste") and "trim the video" in help_text


def test_volume_words_change_the_volume_relative_to_now(backend, song_session):
    client, _ = backend

    def song_volume():
        return next(s.get("vol", 1.0) for t in _state(client, song_session[0])["draft"]["t"] for s in t["sg"]
                    if s.get("role") == "song")

    assert song_volume() == 1.0
    events = _turn(client, song_session[0], "make the music quieter")
    assert "The song is now at 71% (it was 100%)." in " ".join(_parts(events, "text"))
    assert song_volume() == 0.71
    _turn(client, song_session[0], "turn it up a bit")
    assert song_volume() == 0.82
    _turn(client, song_session[0], "the song is way too quiet")
    assert song_volume() == 1.64


def test_errors_before_the_stream_are_plain_json(backend):
    client, store = backend
    token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "broke-user"}).json()["data"]["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": "sess_missing", "new_message": {"parts": [{"text": "hi"}]}}
    response = client.post("/run_sse", json=body, headers=headers)
    assert response.status_code == 404 and response.json()["code"] == 1002
    response = client.post("/run_sse", json={**body, "session_id": ""}, headers=headers)
    assert response.status_code == 400
    session_id = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=headers).json()["data"]["session_id"]
    user = store.user_for_token(token, now=0)
    assert store.spend(user, 100)
    response = client.post("/run_sse", headers=headers, json={
        **body, "session_id": session_id, "new_message": {"parts": [{"text": "pop song:\nline one here\nline two here"}]}})
    assert response.status_code == 402 and response.json()["code"] == 2001
    assert response.json()["data"] == {"bind_id": user.id, "needed": 20, "available": 0}
    assert response.json()["message"] == "Not enough credits: this needs 20 and you have 0."


def test_style_changes_remake_the_song_for_less(backend, song_session):
    client, _ = backend
    session_id, _ = song_session
    before_state = _state(client, session_id)
    first = before_state["generated_media"][-1]
    before = client.get("/api/credits/balance/simple").json()["data"]["available"]
    events = _turn(client, session_id, "make it slower and in A minor")
    after = before - prices.NEW_VERSION
    assert "is ready" in _parts(events, "text")[-1]
    assert _parts(events, "text")[-1].endswith(f"({prices.NEW_VERSION} credits; {after} left.)")
    song = _state(client, session_id)["generated_media"][-1]
    assert song["key"] == "A minor" and song["bpm"] == round(first["bpm"] * 0.88)
    assert song["seed"] == first["seed"] and song["lyrics"] == first["lyrics"]
    assert client.get("/api/credits/balance/simple").json()["data"]["available"] == before - prices.NEW_VERSION


def test_uploads_become_background_and_bgm_then_volume_fade_and_trim(backend, song_session, tmp_path):
    import subprocess

    from nemo_widgets.render.ffmpeg import ffmpeg_exe

    client, _ = backend
    session_id, _ = song_session
    events = _turn(client, session_id, "use the uploaded video as background")
    assert "Upload a video or image first" in _parts(events, "text")[-1]
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=s=320x240:r=24:d=1", "-pix_fmt", "yuv420p",
                    str(tmp_path / "clip.mp4")], check=True)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=3", str(tmp_path / "beat.mp3")], check=True)
    files = [("files", ("clip.mp4", (tmp_path / "clip.mp4").read_bytes())), ("files", ("beat.mp3", (tmp_path / "beat.mp3").read_bytes()))]
    uploaded = client.post(f"/api/upload-video/nemo_agent/me/{session_id}", files=files).json()
    assert uploaded["code"] == 0
    clip_id, beat_id = (f["id"] for f in uploaded["data"]["files"])
    for message in ("use the uploaded video as background", "use my beat as BGM", "BGM to 20%",
                    "fade out the last 3 seconds", "trim it to 15 seconds"):
        events = _turn(client, session_id, message)
        assert [r["response"]["status"] for r in _parts(events, "functionResponse")] == ["ok"], message
    draft = _state(client, session_id)["draft"]
    segments = {s["role"]: s for t in draft["t"] for s in t["sg"]}
    assert segments["background"]["src"] == clip_id
    assert segments["bgm"]["src"] == beat_id and segments["bgm"]["vol"] == 0.2
    assert segments["song"]["fade_out"] == 3000 and draft["d"] == 15000
    assert all(s["st"] + s["d"] <= 15000 for t in draft["t"] for s in t["sg"])
