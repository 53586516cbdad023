"""Export requests as an attacker would send them, over real HTTP: render ids that are paths, drafts as JSON
strings naming other users' or the host's files, oversized drafts, too many renders at once."""

import json
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from nemo_widgets.protocol.names import MAX_ACTIVE_RENDERS, MAX_MEDIA_SECONDS, MAX_SEGMENTS
from tests.backend.conftest import poll_render, serving

ATTRIBUTION = {"X-Skill-Source": "ai-song-generator", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "unknown"}


def _account(client, client_id):
    """Bearer headers for a new anonymous user, one session of theirs, and their user id."""
    data = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id}).json()["data"]
    headers = {"Authorization": f"Bearer {data['token']}", **ATTRIBUTION}
    session = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=headers).json()["data"]["session_id"]
    return headers, session, data["user_id"]


def _upload_tone(client, headers, session, folder: Path) -> dict:
    tone = folder / "tone.wav"
    sf.write(tone, 0.2 * np.sin(np.linspace(0, 2000, 44100)), 44100)
    body = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                       files=[("files", ("tone.wav", tone.read_bytes(), "audio/wav"))]).json()
    assert body["code"] == 0, body
    return body["data"]["files"][0]


def _draft(src: str, ms: int = 1000) -> dict:
    return {"t": [{"tt": 0, "sg": [{"st": 0, "d": ms, "role": "background", "style": {"visualizer": "none"}}]},
                  {"tt": 1, "sg": [{"st": 0, "d": ms, "role": "song", "src": src}]}]}


def _title(ms: int = 1000) -> dict:
    """A draft that names no media: a title on the generated background."""
    return {"t": [{"tt": 7, "sg": [{"st": 0, "d": ms, "role": "title", "text": "Hi"}]}]}


def _export(client, headers, session, render_id, draft, quality="draft"):
    return client.post("/api/render/proxy/lambda", headers=headers, json={
        "id": render_id, "sessionId": session, "draft": draft, "output": {"format": "mp4", "quality": quality}})


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and not p.name.startswith("nemo.sqlite")}


@pytest.fixture
def two_users(tmp_path):
    with serving(tmp_path / "data") as (client, store):
        alice = _account(client, "alice")
        bob = _account(client, "bob")
        upload = _upload_tone(client, alice[0], alice[1], tmp_path)
        yield client, alice, bob, upload, tmp_path


def test_render_ids_are_names_not_paths(two_users):
    client, (headers, session, _), (bob_headers, bob_session, bob_id), _, root = two_users
    assert _export(client, bob_headers, bob_session, "r", _title()).status_code == 200
    assert poll_render(client, bob_headers, "r")["status"] == "completed"
    before = {p: p.read_bytes() for p in _files(root)}
    outside = root / "outside"
    for bad in (f"../../{bob_id}/renders/r", "../r", str(outside / "abs"), "a/b", "r\x00x", "", "x" * 101, 5, None):
        response = _export(client, headers, session, bad, _title())
        body = response.json()
        assert response.status_code == 400 and body["code"] == 400, (bad, body)
        assert "it is a name, not a path" in body["message"]
    time.sleep(1)  # a render wrongly accepted would be writing by now
    assert {p: p.read_bytes() for p in _files(root)} == before
    assert not outside.exists()


def test_drafts_in_any_json_shape_may_only_name_own_media(two_users):
    client, (headers, session, _), (bob_headers, bob_session, _), upload, root = two_users
    data_dir = root / "data"
    alice_file = next(data_dir.rglob(f"{upload['id']}.*"))
    refused = []
    for src in (upload["id"], str(alice_file), "/etc/passwd", "/nonexistent/file.wav", "up_0123456789ab",
                "song_0123456789ab", "../alice/uploads/x.wav", "http://127.0.0.1:9/x.wav"):
        for shape in (_draft(src), json.dumps(_draft(src))):
            response = _export(client, bob_headers, bob_session, f"steal_{len(refused)}", shape)
            assert response.status_code == 400 and response.json()["code"] == 4001, (src, response.json())
            refused.append(response.json()["message"])
    assert len(set(refused)) == 1 and "not in this account" in refused[0]  # the same words whatever exists
    for shape in ("[1, 2]", [1, 2], 7, json.dumps("nested string")):
        response = _export(client, bob_headers, bob_session, "odd", shape)
        assert response.status_code == 400 and "must be a JSON object" in response.json()["message"], shape
    deep = _export(client, bob_headers, bob_session, "deep", "[" * 100_000)
    assert deep.status_code == 400 and "nested too deeply" in deep.json()["message"]
    own = _export(client, headers, session, "mine", json.dumps(_draft(upload["id"])))
    assert own.status_code == 200, own.json()
    assert poll_render(client, headers, "mine")["status"] == "completed"


def test_oversized_drafts_are_refused_naming_the_field(two_users):
    client, (headers, session, _), _, _, _ = two_users
    limit = MAX_MEDIA_SECONDS * 1000
    response = _export(client, headers, session, "long", _title(limit + 1))
    assert response.status_code == 400 and "`t.0.sg.0.d`" in response.json()["message"]
    assert f"limit of {limit} ms" in response.json()["message"]
    late = _title()
    late["t"][0]["sg"][0]["st"] = limit - 500
    assert "`t.0.sg.0`" in _export(client, headers, session, "late", late).json()["message"]
    many = {"t": [{"tt": 7, "sg": [{"st": i, "d": 1000, "role": "text", "text": "x"}]} for i in range(MAX_SEGMENTS + 1)]}
    response = _export(client, headers, session, "many", many)
    assert response.status_code == 400 and f"at most {MAX_SEGMENTS}" in response.json()["message"]
    assert "`t`" in response.json()["message"]
    assert "Unknown quality" in _export(client, headers, session, "q", _title(), quality="ultra").json()["message"]


def test_each_user_has_a_few_renders_at_once(two_users):
    client, (headers, session, _), (bob_headers, bob_session, _), _, _ = two_users
    long_draft = _title(600_000)  # ten minutes: still running when the next requests come
    for n in range(MAX_ACTIVE_RENDERS):
        assert _export(client, headers, session, f"busy_{n}", long_draft).status_code == 200
    refused = _export(client, headers, session, "one_more", long_draft)
    body = refused.json()
    assert refused.status_code == 429 and body["code"] == 429 and int(refused.headers["Retry-After"]) > 0
    assert f"{MAX_ACTIVE_RENDERS} renders queued or running" in body["message"]
    assert client.get("/api/render/proxy/lambda/one_more", headers=headers).status_code == 404
    assert _export(client, bob_headers, bob_session, "bobs", _title()).status_code == 200
    for n in range(MAX_ACTIVE_RENDERS):
        client.post(f"/api/render/proxy/lambda/busy_{n}/cancel", headers=headers)
        assert poll_render(client, headers, f"busy_{n}")["error"] == "Cancelled."
    assert _export(client, headers, session, "after", _title()).status_code == 200
    assert poll_render(client, headers, "after")["status"] == "completed"


def _paths_in(value, data_dir: Path) -> list[str]:
    """Every string in a JSON value that looks like a server path."""
    if isinstance(value, dict):
        return [p for item in value.values() for p in _paths_in(item, data_dir)]
    if isinstance(value, list):
        return [p for item in value for p in _paths_in(item, data_dir)]
    return [value] if isinstance(value, str) and (value.startswith("/") or str(data_dir) in value) else []


@pytest.mark.slow
def test_state_names_media_by_id_and_exports_from_it(tmp_path):
    from tests.conftest import LYRICS_DIR

    data_dir = tmp_path / "data"
    with serving(data_dir) as (client, _):
        headers, session, _ = _account(client, "songs")
        upload = _upload_tone(client, headers, session, tmp_path)
        for text in ("a chill lofi song:\n" + (LYRICS_DIR / "summer.txt").read_text(), "use my song as BGM"):
            body = {"session_id": session, "new_message": {"parts": [{"text": text}]}}
            with client.stream("POST", "/run_sse", json=body, headers=headers) as response:
                events = response.read()
            assert b'"status":"ok"' in events.replace(b" ", b""), events[-500:]
        state = client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=headers).json()["data"]["state"]
        song = state["generated_media"][-1]
        segments = {s["role"]: s for t in state["draft"]["t"] for s in t["sg"]}
        assert segments["song"]["src"] == segments["lyrics"]["timing"] == song["id"]
        assert segments["bgm"]["src"] == upload["id"]
        assert _paths_in({"draft": state["draft"], "generated_media": state["generated_media"]}, data_dir) == []
        created = client.post("/api/render/proxy/lambda", headers=headers, json={
            "id": "from_state", "sessionId": session, "output": {"quality": "draft"}})
        assert created.status_code == 200, created.json()
        assert poll_render(client, headers, "from_state", timeout=120)["status"] == "completed"


def test_upload_answers_and_state_hold_no_server_paths(two_users):
    client, (headers, session, _), _, upload, root = two_users
    state = client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=headers).json()["data"]["state"]
    assert _paths_in(upload, root / "data") == []
    assert _paths_in(state, root / "data") == []


def test_sessions_saved_with_server_paths_by_an_older_version_still_export(tmp_path):
    data_dir = tmp_path / "data"
    with serving(data_dir) as (client, _):
        headers, session, user = _account(client, "upgraded")
        upload = _upload_tone(client, headers, session, tmp_path)
    song = data_dir / "media" / user / session / "song_0123456789ab"
    song.mkdir(parents=True)
    sf.write(song / "song.wav", 0.2 * np.sin(np.linspace(0, 3000, 44100)), 44100)
    tone = next((data_dir / "media" / user / "uploads").glob(f"{upload['id']}.*"))
    legacy = {"draft": {"t": [{"tt": 0, "sg": [{"st": 0, "d": 1000, "role": "background"}]},
                              {"tt": 1, "sg": [{"st": 0, "d": 1000, "role": "song", "src": str(song / "song.wav")}]},
                              {"tt": 1, "sg": [{"st": 0, "d": 1000, "role": "bgm", "src": str(tone), "vol": 0.35}]}]},
              "video_infos": [{**upload, "path": str(tone)}], "canvas_config": {"aspect": "16:9"},
              "video_analyses": [], "generated_media": [{"id": song.name, "kind": "song", "path": str(song / "song.wav"),
                                                         "folder": str(song)}]}
    database = sqlite3.connect(data_dir / "nemo.sqlite3")
    with database:  # as an older version left it: absolute paths in state, user_version 0
        database.execute("UPDATE sessions SET state = ? WHERE id = ?", (json.dumps(legacy), session))
        database.execute("PRAGMA user_version = 0")
    database.close()
    with serving(data_dir) as (client, _):
        state = client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=headers).json()["data"]["state"]
        assert _paths_in(state, data_dir) == []
        sources = [s["src"] for t in state["draft"]["t"] for s in t["sg"] if "src" in s]
        assert sources == [song.name, upload["id"]] and state["draft"]["t"][2]["sg"][0]["vol"] == 0.35
        assert _export(client, headers, session, "upgraded", state["draft"]).status_code == 200
        assert poll_render(client, headers, "upgraded")["status"] == "completed"
