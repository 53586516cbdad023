"""Export over real HTTP: render jobs, polling, Range downloads, isolation, cancellation, restarts."""

import time

import httpx
import pytest

from nemo_widgets.backend.app import create_app
from nemo_widgets.backend.server import start_in_thread
from nemo_widgets.backend.store import INTERRUPTED, Store
from tests.backend.conftest import poll_render, serving
from tests.conftest import LYRICS_DIR

pytestmark = pytest.mark.slow
ATTRIBUTION = {"X-Skill-Source": "ai-song-generator", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "unknown"}


def _user(client, client_id):
    token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id}).json()["data"]["token"]
    return {"Authorization": f"Bearer {token}", **ATTRIBUTION}


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    data = tmp_path_factory.mktemp("renders")
    with serving(data) as (client, _):
        headers = _user(client, "render-tests")
        session_id = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=headers).json()["data"]["session_id"]
        body = {"session_id": session_id, "new_message": {"parts": [
            {"text": "a chill lofi song:\n" + (LYRICS_DIR / "summer.txt").read_text()}]}}
        with client.stream("POST", "/run_sse", json=body, headers=headers) as response:
            assert b"is ready" in response.read()
        yield client, headers, session_id, data


def test_export_polls_to_completed_and_downloads_with_ranges(backend):
    client, headers, session_id, _ = backend
    draft = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=headers).json()["data"]["state"]["draft"]
    created = client.post("/api/render/proxy/lambda", headers=headers, json={
        "id": "render_1", "sessionId": session_id, "draft": draft, "output": {"format": "mp4", "quality": "high"}}).json()
    assert created["success"] is True and created["data"]["status"] in ("pending", "processing")
    seen = set()
    deadline = time.monotonic() + 120
    while True:
        body = client.get("/api/render/proxy/lambda/render_1", headers=headers).json()
        seen.add(body["status"])
        if body["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert body["status"] == "completed", body
    assert "processing" in seen and body["progress"] == 1.0
    url = body["output"]["url"]
    assert url.endswith("/api/render/proxy/render_1/download") and body["output"]["size"] > 10_000
    whole = client.get(url, headers=headers)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4" and whole.content[4:8] == b"ftyp"
    part = client.get(url, headers={**headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    again = client.post("/api/render/proxy/lambda", headers=headers, json={"id": "render_1", "sessionId": session_id})
    assert again.status_code == 409


def test_export_needs_the_attribution_headers(backend):
    client, headers, session_id, _ = backend
    bare = {"Authorization": headers["Authorization"]}
    response = client.post("/api/render/proxy/lambda", headers=bare, json={"id": "render_x", "sessionId": session_id})
    assert response.status_code == 402 and "upgrade your plan" in response.json()["message"]


def test_other_users_see_nothing_and_cannot_point_at_foreign_files(backend):
    client, headers, session_id, data = backend
    other = _user(client, "someone-else")
    assert client.get("/api/render/proxy/lambda/render_1", headers=other).status_code == 404
    assert client.get("/api/render/proxy/render_1/download", headers=other).status_code == 404
    assert client.post("/api/render/proxy/lambda", headers=other, json={"id": "r", "sessionId": session_id}).json()["code"] == 1002
    own = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=other).json()["data"]["session_id"]
    stolen = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=headers).json()["data"]["state"]["draft"]
    response = client.post("/api/render/proxy/lambda", headers=other, json={"id": "steal", "sessionId": own, "draft": stolen})
    assert response.status_code == 400 and response.json()["code"] == 4001
    forged = {"t": [{"tt": 1, "sg": [{"st": 0, "d": 1000, "role": "song", "src": "/etc/passwd"}]}]}
    response = client.post("/api/render/proxy/lambda", headers=other, json={"id": "etc", "sessionId": own, "draft": forged})
    assert response.json()["code"] == 4001


def test_bad_drafts_and_cancel(backend):
    client, headers, session_id, _ = backend
    response = client.post("/api/render/proxy/lambda", headers=headers,
                           json={"id": "empty", "sessionId": session_id, "draft": {"t": []}})
    assert response.status_code == 400 and "nothing to export" in response.json()["message"]
    draft = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=headers).json()["data"]["state"]["draft"]
    client.post("/api/render/proxy/lambda", headers=headers, json={"id": "render_c", "sessionId": session_id, "draft": draft})
    client.post("/api/render/proxy/lambda/render_c/cancel", headers=headers)
    body = poll_render(client, headers, "render_c")
    assert body["status"] == "failed" and body["error"] == "Cancelled."


def test_a_render_interrupted_by_a_restart_is_failed_not_stuck(tmp_path):
    store = Store(tmp_path)
    issued = store.issue_anonymous_token("c", time.time())
    user = store.user_for_token(issued.token, time.time())
    _, session_id = store.create_session(user, "en", time.time())
    store.add_render(user, "render_busy", session_id, time.time())
    store.update_render(user, "render_busy", status="processing", progress=0.4)
    store.close()
    store = Store(tmp_path)
    server = start_in_thread(create_app(store, tmp_path))
    try:
        body = httpx.get(f"{server.base_url}/api/render/proxy/lambda/render_busy",
                         headers={"Authorization": f"Bearer {issued.token}"}).json()
        assert body["status"] == "failed" and body["error"] == INTERRUPTED
    finally:
        server.stop()
        store.close()
