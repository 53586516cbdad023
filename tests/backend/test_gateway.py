"""The gateway dialect on the embedded backend, over real HTTP and a real WebSocket: keys, balance, credit history,
projects, uploads, the chat socket's handshake rules, ping, refusals as error events, and hints read as options."""

import asyncio
import json
import sqlite3
import time

import httpx
import pytest

from nemo_widgets.backend import prices
from nemo_widgets.backend.gateway.prompt_hints import read_hints
from nemo_widgets.backend.intents import understand
from nemo_widgets.backend.store import DATABASE, Store
from nemo_widgets.protocol.names import MIN_SONG_SECONDS, WS_CLOSE_AUTH, WS_CLOSE_NO_SESSION, WS_CLOSE_UNKNOWN_SESSION
from nemo_widgets.protocol.options import SongOptions
from tests.backend.conftest import lavfi, serving
from tests.backend.gateway_calls import (
    bearer,
    chat_socket,
    chat_turns,
    close_code,
    new_key,
    new_project,
    until_done,
)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    data = tmp_path_factory.mktemp("gateway")
    with serving(data) as (client, store):
        yield client, store, data


@pytest.fixture(scope="module")
def key(backend):
    return new_key(backend[0], "gateway-tests")


def test_verify_names_the_user_and_refuses_a_bad_key(backend, key):
    client, *_ = backend
    verified = client.post("/auth/verify", json={"token": key}).json()
    assert verified["code"] == 0 and verified["data"]["user_id"].startswith("usr_") and verified["data"]["balance"] == 100
    assert client.post("/auth/verify", json={}, headers=bearer(key)).json()["data"] == verified["data"]
    refused = client.post("/auth/verify", json={"token": "nmv_usr_nobody"})
    assert refused.status_code == 401 and refused.json()["code"] == 1001
    assert client.get("/billing/balance").status_code == 401


def test_balance_and_history_start_with_the_welcome_grant(backend):
    client, *_ = backend
    key = new_key(client, "gateway-ledger")
    balance = client.get("/billing/balance", headers=bearer(key)).json()["data"]
    assert balance == {"available": 100, "frozen": 0, "total": 100, "total_granted": 100, "total_consumed": 0,
                       "prices": {"generate_song": 20, "new_version": 10, "draft_edit": 0, "export": 0}}
    page = client.get("/billing/usage/conversations", params={"page_no": 1, "page_size": 100},
                      headers=bearer(key)).json()["data"]
    assert [(i["kind"], i["amount_delta"]) for i in page["items"]] == [("grant", 100)]
    assert page | {"items": None} == {"items": None, "total": 1, "page_no": 1, "page_size": 100, "total_pages": 1,
                                      "has_next": False, "has_prev": False}
    assert client.get("/billing/usage/conversations", params={"page_no": 2},
                      headers=bearer(key)).json()["data"]["items"] == []
    for bad in ({"page_size": 101}, {"page_no": 0}, {"page_no": "x"}):
        assert client.get("/billing/usage/conversations", params=bad, headers=bearer(key)).status_code == 400


def test_projects_wrap_sessions_and_list_bootstrap_sessions_too(backend):
    client, *_ = backend
    key = new_key(client, "gateway-projects")
    project_id, session_id = new_project(client, key)
    got = client.get(f"/projects/{project_id}", headers=bearer(key)).json()["data"]
    assert got["project_id"] == project_id and got["name"] is None and got["created_at"].endswith("Z")
    sessions = client.get(f"/projects/{project_id}/sessions", headers=bearer(key)).json()["data"]["sessions"]
    assert [s["session_id"] for s in sessions] == [session_id] and sessions[0]["project_id"] == project_id
    old = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=bearer(key)).json()["data"]["session_id"]
    listed = client.get("/projects", headers=bearer(key)).json()["data"]
    assert listed["count"] == 2 and project_id in [p["project_id"] for p in listed["projects"]]
    adopted = next(p["project_id"] for p in listed["projects"] if p["project_id"] != project_id)
    assert client.get(f"/projects/{adopted}/sessions", headers=bearer(key)).json()["data"]["sessions"][0]["session_id"] == old
    assert client.get("/projects", headers=bearer(key)).json()["data"]["count"] == 2  # adopted once
    state = client.get(f"/api/v1/state/frontend/{project_id}", headers=bearer(key)).json()["data"]
    assert state["project"]["timeline_draft"] == {"t": [], "m": {}} and state["project"][f"files:{session_id}"] == []


def test_another_users_project_is_not_found_anywhere(backend, key):
    client, *_ = backend
    project_id, session_id = new_project(client, key)
    stranger = bearer(new_key(client, "gateway-stranger"))
    for path in (f"/projects/{project_id}", f"/projects/{project_id}/sessions", f"/api/v1/state/frontend/{project_id}",
                 f"/services/v1/render-proxy/{project_id}/download"):
        answer = client.get(path, headers=stranger)
        assert answer.status_code == 404 and "was not found" in answer.json()["message"], path
    assert project_id not in json.dumps(client.get("/projects", headers=stranger).json())
    render = client.post("/services/v1/render-proxy/lambda", headers=stranger,
                         json={"id": "render_x", "sessionId": session_id, "draft": {"t": []}})
    assert render.status_code == 404 and render.json()["code"] == 1002
    code, received = close_code(client, f"?token={new_key(client, 'gateway-stranger-2')}&session_id={session_id}")
    assert code == WS_CLOSE_UNKNOWN_SESSION and received[0]["type"] == "error" and received[0]["code"] == 1002


def test_the_socket_closes_4001_without_a_good_token_and_4002_without_a_session(backend, key):
    client, *_ = backend
    assert close_code(client, "?session_id=sess_x")[0] == WS_CLOSE_AUTH
    assert close_code(client, "?token=nmv_usr_wrong&session_id=sess_x")[0] == WS_CLOSE_AUTH
    assert close_code(client, f"?token={key}")[0] == WS_CLOSE_NO_SESSION


def test_ping_pong_help_and_bad_messages_on_the_socket(backend, key):
    client, *_ = backend
    _, session_id = new_project(client, key)

    async def talk():
        async with chat_socket(client, key, session_id) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            pong = json.loads(await socket.recv())
            help_turn = await until_done(socket, {"type": "message", "content": "help"})
            await socket.send("not json")
            garbled = json.loads(await socket.recv())
            await socket.send(json.dumps({"type": "message", "content": ""}))
            empty = json.loads(await socket.recv())
            return pong, help_turn, garbled, empty

    pong, help_turn, garbled, empty = asyncio.run(talk())
    assert pong["type"] == "pong"
    assert [m["type"] for m in help_turn] == ["text", "done"] and "I can make a song" in help_turn[0]["text"]
    assert garbled["type"] == "error" and "JSON" in garbled["error"]
    assert empty["type"] == "error" and "content" in empty["error"]


def test_insufficient_credits_arrive_as_an_error_event_and_nothing_is_taken(backend):
    client, store, data = backend
    key = new_key(client, "gateway-poor")
    _, session_id = new_project(client, key)
    assert store.spend(store.user_for_token(key, time.time()), 100 - prices.GENERATE_SONG + 1)
    [turn] = chat_turns(client, key, session_id, "a pop song:\nthe sun is up\nwe run all day")
    assert [m["type"] for m in turn] == ["error", "done"]
    assert turn[0]["error"].startswith("Insufficient credits") and turn[0]["code"] == 2001
    assert client.get("/billing/balance", headers=bearer(key)).json()["data"]["available"] == prices.GENERATE_SONG - 1


def test_upload_takes_field_file_and_session_id_through_the_same_checks(backend, key, tmp_path):
    client, *_ = backend
    project_id, session_id = new_project(client, key)
    beat = lavfi(tmp_path / "beat.mp3", "sine=d=1")
    sent = client.post("/files/upload", headers=bearer(key), data={"session_id": session_id},
                       files={"file": ("beat.mp3", beat.read_bytes(), "audio/mpeg")})
    data = sent.json()["data"]
    assert sent.status_code == 200 and data["file_type"] == "audio" and data["file_id"].startswith("up_")
    assert data["url"] == data["cdn_url"] and "path" not in data
    files = client.get(f"/api/v1/state/frontend/{project_id}", headers=bearer(key)).json()["data"]["project"]
    assert [f["s3_key"] for f in files[f"files:{session_id}"]] == [data["file_id"]]
    no_session = client.post("/files/upload", headers=bearer(key), files={"file": ("beat.mp3", beat.read_bytes())})
    assert no_session.status_code == 400 and "session_id" in no_session.json()["message"]
    not_media = client.post("/files/upload", headers=bearer(key), data={"session_id": session_id},
                            files={"file": ("notes.mp3", b"hello, not audio")})
    assert not_media.json()["code"] == 4001 and "Supported formats" in not_media.json()["message"]
    wrong_field = client.post("/files/upload", headers=bearer(key), data={"session_id": session_id},
                              files={"files": ("beat.mp3", beat.read_bytes())})
    assert wrong_field.status_code == 400 and "`file`" in wrong_field.json()["message"]


def test_uploads_refused_leave_nothing_in_the_users_folder(backend, tmp_path):
    client, store, data = backend
    key = new_key(client, "gateway-upload-debris")
    _, session_id = new_project(client, key)
    user = store.user_for_token(key, time.time())
    uploads = data / "media" / user.id / "uploads"
    beat = lavfi(tmp_path / "beat.mp3", "sine=d=1")
    refusals = [client.post("/files/upload", headers=bearer(key), files={"file": ("beat.mp3", beat.read_bytes())}),
                client.post("/files/upload", headers=bearer(key), data={"session_id": "sess_not_mine"},
                            files={"file": ("beat.mp3", beat.read_bytes())}),
                client.post("/files/upload", headers=bearer(key), data={"session_id": session_id},
                            files=[("file", ("a.mp3", beat.read_bytes())), ("file", ("b.mp3", beat.read_bytes()))]),
                client.post("/files/upload", headers=bearer(key), data={"session_id": session_id},
                            files={"file": ("notes.mp3", b"hello, not audio")})]
    assert [r.status_code for r in refusals] == [400, 404, 400, 415]
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_hints_are_options_and_slashes_are_lines():
    message, options = read_hints("an upbeat pop song: the sun is up / we run all day / into the night. "
                                  "Duration: 5 seconds. Aspect ratio: 9:16", SongOptions())
    assert message == "an upbeat pop song:\nthe sun is up\nwe run all day\ninto the night"
    assert options == SongOptions(aspect="9:16", duration=MIN_SONG_SECONDS)
    [song, aspect] = understand(message, has_song=False, options=options)
    assert song.args["lyrics"].splitlines() == ["the sun is up", "we run all day", "into the night"]
    assert song.args["duration"] == MIN_SONG_SECONDS and aspect.args == {"aspect": "9:16"}
    assert read_hints("a chill instrumental. Duration: 30 seconds", SongOptions(duration=60))[1].duration == 60
    for unchanged in ("rock / pop / jazz", "title: Night / Day", "make it 50/50"):
        assert read_hints(unchanged, SongOptions()) == (unchanged, SongOptions())


def test_hints_are_read_by_both_dialects_chat(backend, key):
    client, *_ = backend
    _, session_id = new_project(client, key)
    asked = "a pop song: the sun is up / we run. Aspect ratio: 4:3"
    [turn] = chat_turns(client, key, session_id, asked)
    assert turn[0]["type"] == "error" and "4:3" in turn[0]["error"] and turn[-1]["type"] == "done"
    body = {"session_id": session_id, "new_message": {"parts": [{"text": asked}]}}
    refused = client.post("/run_sse", json=body, headers=bearer(key))
    assert refused.status_code == 400 and "4:3" in refused.json()["message"]
    for say in (lambda text: chat_turns(client, key, session_id, text),
                lambda text: client.post("/run_sse", json={**body, "new_message": {"parts": [{"text": text}]}},
                                         headers=bearer(key)).read()):
        say("make it vertical. Aspect ratio: 1:1")
        state = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=bearer(key)).json()["data"]["state"]
        assert state["canvas_config"]["aspect"] == "1:1"
        say("make it vertical")
        state = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=bearer(key)).json()["data"]["state"]
        assert state["canvas_config"]["aspect"] == "9:16"


def test_bootstrap_routes_still_answer(backend, key):
    client, *_ = backend
    assert client.get("/api/credits/balance/simple", headers=bearer(key)).json()["code"] == 0
    assert httpx.get(str(client.base_url) + "/nothing-here").status_code == 404


def test_song_options_ride_in_the_message_metadata(backend, key):
    client, *_ = backend
    _, session_id = new_project(client, key)

    async def talk():
        async with chat_socket(client, key, session_id) as socket:
            chosen = await until_done(socket, {"type": "message", "content": "make it vertical",
                                               "metadata": {"song_options": {"aspect": "1:1"}}})
            await socket.send(json.dumps({"type": "message", "content": "hi", "metadata": {"song_options": {"x": 1}}}))
            return chosen, json.loads(await socket.recv())

    chosen, refused = asyncio.run(talk())
    assert [m["tool"] for m in chosen if m["type"] == "tool_start"] == ["set_aspect"]
    state = client.get(f"/api/state/nemo_agent/me/{session_id}/latest", headers=bearer(key)).json()["data"]["state"]
    assert state["canvas_config"]["aspect"] == "1:1"
    assert refused["type"] == "error" and refused["data"] == {"field": "x"}


def test_an_older_database_gains_projects_and_keeps_its_sessions(tmp_path):
    store = Store(tmp_path)
    user = store.user_for_token(store.issue_anonymous_token("old", time.time()).token, time.time())
    _, session_id = store.create_session(user, "en", time.time())
    store.close()
    with sqlite3.connect(tmp_path / DATABASE) as db:  # as a version before projects left it
        db.executescript("DROP TABLE project_sessions; DROP TABLE projects; DROP TABLE secrets;")
    reopened = Store(tmp_path)
    try:
        [project] = reopened.projects(user)
        assert [s.id for s in project.sessions] == [session_id] and reopened.session_state(user, session_id)
        assert reopened.project_of(user, session_id) == project.id
    finally:
        reopened.close()


def test_the_link_key_is_made_once_per_data_folder_and_kept(tmp_path):
    first = Store(tmp_path / "a")
    key = first.secret("output-links")
    first.close()
    again, other = Store(tmp_path / "a"), Store(tmp_path / "b")
    try:
        assert again.secret("output-links") == key and len(key) == 32 and other.secret("output-links") != key
        assert (tmp_path / "a" / DATABASE).stat().st_mode & 0o777 == 0o600
    finally:
        again.close()
        other.close()
