"""Turns under faults and concurrency, over real HTTP: a client that hangs up keeps its song or is refunded, a killed
server's turn is refunded at the next start, and a session has one writer (uploads during a song are kept, a second
turn is refused before anything is charged)."""

import contextlib
import json
import os
import subprocess
import sys
import time

import httpx
import pytest
from httpx_sse import connect_sse

from nemo_widgets.backend import prices
from nemo_widgets.backend.store import ANONYMOUS_CREDITS, User
from nemo_widgets.render.ffmpeg import ffmpeg_exe
from tests.backend.conftest import ROOT, serve_process, serving



def _login(client: httpx.Client, client_id: str) -> str:
    data = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id}).json()["data"]
    client.headers["Authorization"] = f"Bearer {data['token']}"
    return data["user_id"]


def _session(client: httpx.Client) -> str:
    return client.post("/api/tasks/me/with-session/nemo_agent", json={}).json()["data"]["session_id"]


def _body(session_id: str, text: str) -> dict:
    return {"app_name": "nemo_agent", "user_id": "me", "session_id": session_id, "new_message": {"parts": [{"text": text}]}}


def _song(lyrics: str) -> str:
    return f"an upbeat pop song with vocals, seed 1, from these lyrics:\n{lyrics}"


def _progress(sse) -> dict:
    return json.loads(sse.data).get("actions", {}).get("stateDelta", {}).get("progress") or {}


def _read_until(events, wanted) -> None:
    """Read the turn's events until one makes `wanted(progress)` true."""
    for sse in events:
        if wanted(_progress(sse)):
            return
    raise AssertionError("the turn ended before the expected progress")


def _running(progress: dict) -> bool:
    return bool(progress) and "queue_position" not in progress


def _state(client: httpx.Client, session_id: str) -> dict:
    return client.get(f"/api/state/nemo_agent/me/{session_id}/latest").json()["data"]["state"]


def _available(client: httpx.Client) -> int:
    return client.get("/api/credits/balance/simple").json()["data"]["available"]


def _eventually(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


# 12. A turn is safe to cancel -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_client_that_hangs_up_keeps_its_running_song_and_gets_back_the_credits_of_a_queued_one(tmp_path, short_lyrics):
    with serving(tmp_path, workers=1) as (client, _):
        user = _login(client, "hangs-up")
        running, queued = _session(client), _session(client)
        with connect_sse(client, "POST", "/run_sse", json=_body(running, _song(short_lyrics))) as first:
            first_events = first.iter_sse()  # held: a dropped iterator would close the stream early
            _read_until(first_events, _running)
            with connect_sse(client, "POST", "/run_sse", json=_body(queued, _song(short_lyrics))) as second:
                second_events = second.iter_sse()
                _read_until(second_events, lambda progress: progress.get("queue_position") == 1)
                assert _available(client) == ANONYMOUS_CREDITS - 2 * prices.GENERATE_SONG
        _eventually(lambda: _available(client) == ANONYMOUS_CREDITS - prices.GENERATE_SONG, 10)
        _eventually(lambda: _state(client, running)["generated_media"], 120)
        song = _state(client, running)["generated_media"][0]
        assert song["kind"] == "song" and (tmp_path / "media" / user / running / song["id"] / "song.wav").is_file()
        assert any(t["tt"] == 1 for t in _state(client, running)["draft"]["t"])
        time.sleep(1)  # the worker is free now: the queued song must not start
        assert _state(client, queued)["generated_media"] == [] and not (tmp_path / "media" / user / queued).exists()
        assert _available(client) == ANONYMOUS_CREDITS - prices.GENERATE_SONG


@pytest.mark.slow
def test_a_turn_whose_server_was_killed_is_refunded_at_the_next_start(tmp_path, short_lyrics):
    server, base_url = serve_process(tmp_path, "--workers", "1")
    try:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            user = _login(client, "killed")
            session = _session(client)
            token = client.headers["Authorization"]
            with contextlib.suppress(httpx.HTTPError), \
                    connect_sse(client, "POST", "/run_sse", json=_body(session, _song(short_lyrics))) as source:
                source_events = source.iter_sse()
                _read_until(source_events, _running)
                server.kill()
                server.wait()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    with serving(tmp_path) as (client, store):
        client.headers["Authorization"] = token
        assert _available(client) == ANONYMOUS_CREDITS
        assert _state(client, session)["generated_media"] == []
        assert not [p for p in (tmp_path / "media" / user / session).glob("*") if "song_" in p.name]
        assert store.orphaned_turns() == []
        response = client.post("/run_sse", json=_body(session, "make it 9:16"))
        assert response.status_code == 200 and "9:16" in response.text  # the session is free again


def test_only_the_turns_of_dead_backends_are_refunded_and_their_song_folders_removed(tmp_path):
    with serving(tmp_path) as (client, store):
        user_id = _login(client, "recovery")
        dead_session, live_session = _session(client), _session(client)
        user = User(user_id, "anonymous")
        # a backend in another process opens a turn, starts writing its song, and dies
        script = ("import sys, pathlib, time; from nemo_widgets.backend.store import Store, User; "
                  "store = Store(pathlib.Path(sys.argv[1])); user = User(sys.argv[2], 'anonymous'); "
                  "assert store.begin_turn(user, sys.argv[3], 'inv_dead', 20, 'song_dead', time.time()) is None")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script, str(tmp_path), user_id, dead_session], check=True, env=env)
        songs = tmp_path / "media" / user_id / dead_session
        for folder in (songs / "song_dead", songs / ".song_dead.x1y2", songs / "song_kept"):
            folder.mkdir(parents=True)
            (folder / "song.wav").write_bytes(b"RIFF")
        # this backend, alive, has a turn open in another session
        assert store.begin_turn(user, live_session, "inv_live", 10, None, time.time()) is None
        assert _available(client) == ANONYMOUS_CREDITS - 30
        response = client.post("/run_sse", json=_body(live_session, "make it 9:16"))
        assert response.status_code == 409 and response.json()["code"] == 409
        assert "already running" in response.json()["message"]
        with serving(tmp_path) as (second, _):  # another backend starts on the same data folder
            second.headers["Authorization"] = client.headers["Authorization"]
            assert _available(second) == ANONYMOUS_CREDITS - 10
            assert sorted(p.name for p in songs.iterdir()) == ["song_kept"]
            assert [turn.invocation_id for turn in store.orphaned_turns()] == []
            assert second.post("/run_sse", json=_body(live_session, "make it 9:16")).status_code == 409


# 13. One session, one writer --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_an_upload_during_a_song_is_kept_and_a_second_turn_is_refused_before_any_charge(tmp_path, short_lyrics):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=2", str(tmp_path / "beat.mp3")], check=True)
    with serving(tmp_path / "data") as (client, _):
        _login(client, "one-writer")
        session = _session(client)
        with connect_sse(client, "POST", "/run_sse", json=_body(session, _song(short_lyrics))) as source:
            events = source.iter_sse()
            _read_until(events, _running)
            for text in (_song(short_lyrics), "make it 9:16"):
                refused = client.post("/run_sse", json=_body(session, text))
                assert refused.status_code == 409, refused.text
                assert refused.json()["message"] == "A turn is already running in this session: wait for it to finish."
            assert _available(client) == ANONYMOUS_CREDITS - prices.GENERATE_SONG
            files = [("files", ("beat.mp3", (tmp_path / "beat.mp3").read_bytes(), "audio/mpeg"))]
            assert client.post(f"/api/upload-video/nemo_agent/me/{session}", files=files).json()["code"] == 0
            last = [json.loads(sse.data) for sse in events][-1]
        assert last.get("turnComplete") is True, last
        state = _state(client, session)
        assert [v["filename"] for v in state["video_infos"]] == ["beat.mp3"]
        assert [m["kind"] for m in state["generated_media"]] == ["song"]
        assert _available(client) == ANONYMOUS_CREDITS - prices.GENERATE_SONG
