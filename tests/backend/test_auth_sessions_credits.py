"""The backend's first routes over real HTTP on 127.0.0.1: tokens, sessions, credits, state, restarts."""

import time

import httpx
import pytest

from nemo_widgets.backend.app import create_app
from nemo_widgets.backend.server import start_in_thread
from nemo_widgets.backend.store import TOKEN_LIFETIME, Store


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def backend(tmp_path):
    clock = Clock()
    store = Store(tmp_path / "data")
    server = start_in_thread(create_app(store, tmp_path / "data", clock=clock))
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client, clock, store, tmp_path / "data"
    server.stop()
    store.close()


def _token(client, client_id="client-a"):
    response = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _session(client, token):
    response = client.post("/api/tasks/me/with-session/nemo_agent", json={"task_name": "project", "language": "en"},
                           headers=_auth(token))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_anonymous_token_needs_a_client_id_and_is_one_per_week(backend):
    client, clock, _, _ = backend
    missing = client.post("/api/auth/anonymous-token")
    assert missing.status_code == 400 and missing.json()["code"] == 400
    first = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "client-a"}).json()
    assert first["code"] == 0
    data = first["data"]
    assert data["token"].startswith("nmv_usr_") and len(data["token"]) > 40
    assert data["credits"] == 100 and data["expires_at"] == int(clock.now + TOKEN_LIFETIME)
    again = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "client-a"})
    assert again.status_code == 429 and again.json()["code"] == 429
    assert _token(client, "client-b")["user_id"] != data["user_id"]
    clock.now += TOKEN_LIFETIME + 1
    assert _token(client, "client-a")["user_id"] != data["user_id"]


def test_only_token_hashes_are_stored(backend):
    client, _, _, data_dir = backend
    token = _token(client)["token"]
    stored = b"".join(p.read_bytes() for p in data_dir.iterdir())
    assert token.encode() not in stored


def test_sessions_credits_and_state(backend):
    client, _, _, _ = backend
    issued = _token(client)
    session = _session(client, issued["token"])
    assert session["session_id"] and session["task_id"] and session["user_id"] == issued["user_id"]
    credits = client.get("/api/credits/balance/simple", headers=_auth(issued["token"])).json()
    assert credits == {"code": 0, "message": "ok", "data": {"available": 100, "frozen": 0, "total": 100,
                                                             "total_granted": 100, "total_consumed": 0,
                                                             "prices": {"generate_song": 20, "new_version": 10,
                                                                        "draft_edit": 0, "export": 0}}}
    for user in ("me", issued["user_id"]):
        state = client.get(f"/api/state/nemo_agent/{user}/{session['session_id']}/latest", headers=_auth(issued["token"]))
        assert state.status_code == 200
        assert set(state.json()["data"]["state"]) == {"draft", "video_infos", "canvas_config", "video_analyses", "generated_media"}


def test_bad_and_expired_tokens_get_1001(backend):
    client, clock, _, _ = backend
    for headers in ({}, {"Authorization": "Bearer nmv_usr_forged"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/credits/balance/simple", headers=headers)
        assert response.status_code == 401 and response.json()["code"] == 1001
    token = _token(client)["token"]
    clock.now += TOKEN_LIFETIME + 1
    response = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=_auth(token))
    assert response.json()["code"] == 1001


def test_unknown_and_foreign_sessions_get_1002(backend):
    client, _, _, _ = backend
    alice, bob = _token(client, "alice"), _token(client, "bob")
    session = _session(client, alice["token"])["session_id"]
    for path in (f"/api/state/nemo_agent/me/{session}/latest", f"/api/state/nemo_agent/{alice['user_id']}/{session}/latest",
                 "/api/state/nemo_agent/me/sess_missing/latest"):
        response = client.get(path, headers=_auth(bob["token"]))
        assert response.status_code == 404 and response.json()["code"] == 1002
    assert "state" not in response.json()["data"]


def test_bad_json_is_a_clear_400(backend):
    client, _, _, _ = backend
    token = _token(client)["token"]
    response = client.post("/api/tasks/me/with-session/nemo_agent", content=b"{not json", headers=_auth(token))
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]


def test_static_tokens_and_restarts_keep_everything(tmp_path):
    data = tmp_path / "data"
    store = Store(data)
    store.add_static_token("team-secret-token", credits=500, now=time.time())
    server = start_in_thread(create_app(store, data))
    with httpx.Client(base_url=server.base_url) as client:
        anonymous = _token(client)
        session = _session(client, anonymous["token"])["session_id"]
        team = client.get("/api/credits/balance/simple", headers=_auth("team-secret-token")).json()["data"]
    server.stop()
    store.close()
    assert team["available"] == 500

    store = Store(data)
    server = start_in_thread(create_app(store, data))
    with httpx.Client(base_url=server.base_url) as client:
        state = client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=_auth(anonymous["token"]))
        assert state.status_code == 200
        assert client.get("/api/credits/balance/simple", headers=_auth("team-secret-token")).json()["data"]["available"] == 500
    server.stop()
    store.close()


def test_serve_command_over_real_http(tmp_path):
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "nemo_widgets.cli", "serve", "--port", "0", "--data-dir", str(tmp_path / "d"),
         "--static-token", "a-long-team-token-123"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving the Nemo protocol on http://127.0.0.1:")
        base = line.split()[5]
        credits = httpx.get(f"{base}/api/credits/balance/simple", headers=_auth("a-long-team-token-123")).json()
        assert credits["data"]["available"] == 1000
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
    assert (tmp_path / "d" / "nemo.sqlite3").exists()
