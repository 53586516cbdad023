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
        assert source.response.headers["content-type"].startswith("text/event-stream")
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


def test_unknown_requests_get_help(backend, song_session):
    client, _ = backend
    events = _turn(client, song_session[0], "what is the capital of France?")
    assert "I can make a song" in _parts(events, "text")[0] and events[-1]["turnComplete"] is True


def test_errors_before_the_stream_are_plain_json(backend):
    client, store = backend
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": "sess_missing", "new_message": {"parts": [{"text": "hi"}]}}
    response = client.post("/run_sse", json=body)
    assert response.status_code == 404 and response.json()["code"] == 1002
    response = client.post("/run_sse", json={**body, "session_id": ""})
    assert response.status_code == 400
    session_id = _session(client)
    user = store.user_for_token(client.headers["Authorization"].split()[1], now=0)
    assert store.spend(user, client.get("/api/credits/balance/simple").json()["data"]["available"])
    response = client.post("/run_sse", json={**body, "session_id": session_id,
                                             "new_message": {"parts": [{"text": "pop song:\nline one here\nline two here"}]}})
    assert response.status_code == 402 and response.json()["code"] == 2001
    assert response.json()["data"]["bind_id"] == user.id
