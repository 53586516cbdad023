"""The backend under attack and under faults, over real HTTP (issue #10): Host names, request size and blocking,
tokens, private data at rest, malformed input, per-backend recovery, clean start and shutdown, real transactions."""

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from nemo_widgets.backend.store import INTERRUPTED, Store
from tests.backend.conftest import lavfi, poll_render, serve_process, serving

ATTRIBUTION = {"X-Skill-Source": "tests", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "unknown"}
TEXT_DRAFT = {"t": [{"tt": 7, "n": "Text", "sg": [{"st": 0, "d": 10_000, "role": "text", "text": "hello"}]}]}


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def png(tmp_path_factory) -> bytes:
    return lavfi(tmp_path_factory.mktemp("media") / "cover.png", "testsrc=s=64x48", "-frames:v", "1").read_bytes()


def _token(client: httpx.Client, client_id: str = "client") -> str:
    response = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id})
    assert response.status_code == 200, response.text
    return response.json()["data"]["token"]


def _user(client: httpx.Client, client_id: str = "client") -> tuple[dict[str, str], str]:
    """Headers of a new user (with attribution, so it may export) and a session of theirs."""
    headers = {"Authorization": f"Bearer {_token(client, client_id)}", **ATTRIBUTION}
    session = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=headers).json()["data"]["session_id"]
    return headers, session


def _connection(response: httpx.Response) -> tuple[str, int]:
    """The client side of the TCP connection that carried `response` (the same one means it was kept alive)."""
    return response.extensions["network_stream"].get_extra_info("client_addr")


# 4. Host names


def test_only_loopback_host_names_are_answered(tmp_path):
    with serving(tmp_path) as (client, _):
        port = client.base_url.port
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "192.168.1.20", ""):
            response = client.get("/api/credits/balance/simple", headers={"Host": host})
            assert response.status_code == 400, host
            assert response.json()["code"] == 400 and "host names" in response.json()["message"]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST"):
            assert client.get("/api/credits/balance/simple", headers={"Host": host}).status_code == 401, host
    with serving(tmp_path / "wide", allowed_hosts=None) as (client, _):
        assert client.get("/api/credits/balance/simple", headers={"Host": "studio.lan"}).status_code == 401


def _socket_handshake_status(port: int, host: str) -> str:
    """The status line a WebSocket handshake to the chat route gets with this Host header."""
    import socket

    request = (f"GET /ws/chat?token=x&session_id=y HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        return conn.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_the_chat_socket_checks_host_names_too(tmp_path):
    with serving(tmp_path) as (client, _):
        port = client.base_url.port
        assert _socket_handshake_status(port, "evil.example").startswith("HTTP/1.1 403")
        assert _socket_handshake_status(port, f"127.0.0.1:{port}").startswith("HTTP/1.1 101")


def test_widening_the_host_beyond_loopback_warns(tmp_path):
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails after the warning, nothing is exposed.
    result = subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "serve", "--host", "192.0.2.1", "--port", "0",
                             "--data-dir", str(tmp_path / "d")], capture_output=True, text=True, timeout=60)
    assert "warning: listening on 192.0.2.1 lets other machines reach this server" in result.stderr
    assert result.returncode == 2


# 5. No request can freeze the server


def test_a_huge_chat_message_is_refused_at_once_with_the_limit(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, session = _user(client)
        started = time.monotonic()
        huge = client.post("/run_sse", headers=headers, timeout=10,
                           json={"session_id": session, "new_message": {"parts": [{"text": "trim " * 210_000}]}})
        assert time.monotonic() - started < 3
        assert huge.status_code == 400 and huge.json()["code"] == 400
        assert "1024 KB" in huge.json()["message"] and "20,000 characters" in huge.json()["message"]
        long = client.post("/run_sse", headers=headers, timeout=10,
                           json={"session_id": session, "new_message": {"parts": [{"text": "trim " * 4001}]}})
        assert long.status_code == 400 and "20,004 characters and 20,000 is the limit" in long.json()["message"]
        chunked = client.post("/api/tasks/me/with-session/nemo_agent", headers=headers,
                              content=(b" " * 65536 for _ in range(32)))  # 2 MB with no Content-Length
        assert chunked.status_code == 413 and "1024 KB" in chunked.json()["message"]
        assert client.get("/api/credits/balance/simple", headers=headers).json()["data"]["available"] == 100


def test_lyrics_the_engine_would_refuse_are_refused_before_the_stream_and_not_charged(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, session = _user(client)
        cases = {"\n".join(f"line number {i} of the song" for i in range(130)): "the limit is 120",
                 "これは日本語の歌詞です\n二行目の歌詞です": "only sing English",
                 "a short line\nanother line": "bpm"}
        for lyrics, reason in cases.items():
            prompt = "a pop song at 900 bpm" if reason == "bpm" else "a pop song"
            response = client.post("/run_sse", headers=headers,
                                   json={"session_id": session, "new_message": {"parts": [{"text": f"{prompt}:\n{lyrics}"}]}})
            assert response.status_code == 400 and response.headers["content-type"] == "application/json", response.text
            assert reason in response.json()["message"], response.json()
        assert client.get("/api/credits/balance/simple", headers=headers).json()["data"]["available"] == 100


def test_a_request_waiting_for_the_database_does_not_hold_up_the_others(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, _ = _user(client)
        other_backend = sqlite3.connect(tmp_path / "nemo.sqlite3", isolation_level=None)
        other_backend.execute("BEGIN IMMEDIATE")  # another backend on this data folder is writing
        try:
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(client.post, "/api/tasks/me/with-session/nemo_agent", json={}, headers=headers)
                time.sleep(0.3)
                started = time.monotonic()
                credits = client.get("/api/credits/balance/simple", headers=headers)
                elapsed = time.monotonic() - started
                other_backend.execute("COMMIT")
                assert waiting.result().status_code == 200
        finally:
            other_backend.close()
        assert credits.status_code == 200 and elapsed < 0.5


# 7. Tokens


def test_client_ids_are_one_client_however_they_are_spelled(tmp_path):
    with serving(tmp_path) as (client, _):
        _token(client, "ABC")
        for spelling in ("a b c", "a\u200bbc", "\uff21\uff22\uff23", "a\u00a0b\u2060c"):
            again = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": spelling.encode()})
            assert again.status_code == 429, spelling
            assert again.json()["code"] == 429 and 6 * 24 * 3600 < int(again.headers["Retry-After"]) <= 7 * 24 * 3600
        invisible = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "\u200b\u200c".encode()})
        assert invisible.status_code == 400 and "X-Client-Id" in invisible.json()["message"]


def test_callers_that_are_not_this_machine_get_five_tokens_an_hour(tmp_path):
    clock = Clock()
    with serving(tmp_path, clock=clock, local_networks=()) as (client, _):  # 127.0.0.1 counts as a remote caller
        for i in range(5):
            _token(client, f"remote-{i}")
        refused = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "remote-5"})
        assert refused.status_code == 429 and "5 anonymous tokens in the last hour" in refused.json()["message"]
        assert int(refused.headers["Retry-After"]) == 3600
        clock.now += 1800
        assert int(client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "remote-5"}).headers["Retry-After"]) == 1800
        clock.now += 1801
        _token(client, "remote-5")
    with serving(tmp_path / "local") as (client, _):
        for i in range(12):
            _token(client, f"local-{i}")


# 8. Data at rest


def test_serve_keeps_the_data_folder_private(tmp_path, png):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # an existing folder left open by an older version
    process, base = serve_process(data)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            headers, session = _user(client)
            uploaded = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                                   files=[("files", ("cover.png", png, "image/png"))])
            assert uploaded.status_code == 200, uploaded.text
        modes = {path.relative_to(data).as_posix(): stat.S_IMODE(path.lstat().st_mode) for path in data.rglob("*")}
        modes["."] = stat.S_IMODE(data.stat().st_mode)
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
    assert "warning" not in process.stderr.read()
    for name in ("nemo.sqlite3", "nemo.sqlite3-wal", "nemo.sqlite3-shm"):
        assert modes.pop(name) == 0o600, name
    assert any(name.startswith("media/") and "/uploads/up_" in name for name in modes)
    for name, mode in modes.items():
        path = data / name
        assert mode == (0o700 if path.is_dir() else 0o600), (name, oct(mode))


# 9. Malformed input


def test_malformed_requests_are_400_in_the_envelope_on_a_kept_connection(tmp_path, png):
    with serving(tmp_path) as (client, _):
        headers, session = _user(client)
        upload = f"/api/upload-video/nemo_agent/me/{session}"
        message = {"session_id": session, "new_message": {"parts": [{"text": "set the title to x"}]}}
        cases = [
            ("/api/tasks/me/with-session/nemo_agent", {"content": b'{"language": "\xff\xfe"}'}),
            ("/api/tasks/me/with-session/nemo_agent", {"content": b"[" * 100_000}),
            ("/api/tasks/me/with-session/nemo_agent", {"content": b'{"a":' * 5_000 + b"1" + b"}" * 5_000}),
            ("/api/tasks/me/with-session/nemo_agent", {"json": {"language": ["en"]}}),
            ("/api/tasks/me/with-session/nemo_agent", {"json": ["not", "an", "object"]}),
            ("/run_sse", {"content": b"\xff\xfe\x00"}),
            ("/run_sse", {"json": {**message, "session_id": [session]}}),
            ("/run_sse", {"json": {**message, "new_message": "hello"}}),
            ("/run_sse", {"json": {**message, "new_message": {"parts": "hello"}}}),
            ("/run_sse", {"json": {**message, "new_message": {"parts": ["hello"]}}}),
            ("/run_sse", {"json": {**message, "new_message": {"parts": [{"text": 5}]}}}),
            ("/run_sse", {"json": {**message, "new_message": {"parts": [{"text": {"nested": True}}]}}}),
            ("/api/render/proxy/lambda", {"json": {"id": 12345, "sessionId": session, "draft": TEXT_DRAFT}}),
            ("/api/render/proxy/lambda", {"json": {"id": "r1", "sessionId": [session], "draft": TEXT_DRAFT}}),
            ("/api/render/proxy/lambda", {"json": {"id": "r1", "sessionId": session, "output": ["mp4"]}}),
            (upload, {"json": {"urls": "http://127.0.0.1/a.png"}}),
            ("/api/render/proxy/lambda", {"json": {"id": "r2", "sessionId": session, "draft": "[" * 100_000}}),
            (upload, {"json": {"urls": ["http://127.0.0.1:99999/a.png"]}}),
            (upload, {"json": {"urls": ["http://[::1/a.png"]}}),
            (upload, {"content": b"--right\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n\r\n"
                                 + png + b"\r\n--right--\r\n",
                      "headers": {"Content-Type": "multipart/form-data; boundary=wrong"}}),
        ]
        first = client.get("/api/credits/balance/simple", headers=headers)
        for path, request in cases:
            response = client.post(path, **{**request, "headers": {**headers, **request.get("headers", {})}})
            assert response.status_code == 400, (path, request, response.text)
            body = response.json()
            assert body["code"] == 400 and body["message"] and body["data"] == {}, body
            assert _connection(response) == _connection(first), (path, "the connection was dropped")
        assert "must be an object" in client.post("/run_sse", json={**message, "new_message": "hi"}, headers=headers).text
        garbage_name = (b'--B\r\nContent-Disposition: form-data; name="files"; filename="\xff\xfe/../..\\\x01 \x00evil'
                        + b"x" * 3000 + b'.png"\r\nContent-Type: image/png\r\n\r\n' + png + b"\r\n--B--\r\n")
        accepted = client.post(upload, content=garbage_name,
                               headers={**headers, "Content-Type": "multipart/form-data; boundary=B"})
        assert accepted.status_code == 200, accepted.text
        name = accepted.json()["data"]["files"][0]["filename"]
        assert "/" not in name and "\\" not in name and "\x00" not in name and len(name) <= 120
        refused = client.post(upload, content=garbage_name.replace(png, b"not an image"),
                              headers={**headers, "Content-Type": "multipart/form-data; boundary=B"})
        assert refused.status_code in (400, 415) and refused.json()["code"] == 4001
        assert client.get("/no/such/route").json()["code"] == 404


# 15. Real transactions; the catch-all answers anything unexpected in the envelope


def test_a_failing_write_leaves_nothing_behind_and_is_answered_in_the_envelope(tmp_path, caplog):
    with serving(tmp_path) as (client, _):
        fault = sqlite3.connect(tmp_path / "nemo.sqlite3")
        fault.execute("CREATE TRIGGER broken_disk AFTER INSERT ON client_ids BEGIN SELECT RAISE(ABORT, 'disk I/O'); END")
        fault.commit()
        failed = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "unlucky"})
        assert failed.status_code == 500
        assert failed.json()["code"] == 500 and "unexpected error" in failed.json()["message"]
        assert "Unexpected error in POST /api/auth/anonymous-token" in caplog.text
        assert fault.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0  # the user and token rows went too
        assert fault.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] == 0
        fault.execute("DROP TRIGGER broken_disk")
        fault.commit()
        fault.close()
        retried = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "unlucky"})
        assert retried.status_code == 200 and _connection(retried) == _connection(failed)


def test_concurrent_spends_from_two_backends_never_overspend(tmp_path):
    first, second = Store(tmp_path), Store(tmp_path)  # two notebooks' backends on one data folder
    try:
        issued = first.issue_anonymous_token("spender", time.time())
        user = first.user_for_token(issued.token, time.time())
        with ThreadPoolExecutor(8) as pool:
            spent = list(pool.map(lambda i: (first, second)[i % 2].spend(user, 15), range(40)))
        assert sum(spent) == 6  # 100 credits hold six spends of 15
        assert second.credits(user).available == 10 and first.credits(user).total_consumed == 90
    finally:
        first.close()
        second.close()


# 14. Start-up recovery is per backend


def test_a_second_backend_leaves_the_first_ones_renders_alone(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, session = _user(client)
        started = client.post("/api/render/proxy/lambda", headers=headers,
                              json={"id": "first", "sessionId": session, "draft": TEXT_DRAFT, "output": {"quality": "draft"}})
        assert started.status_code == 200, started.text
        with serving(tmp_path):
            assert client.get("/api/render/proxy/lambda/first", headers=headers).json()["status"] in ("pending", "processing")
        assert poll_render(client, headers, "first")["status"] == "completed"


def test_renders_of_a_backend_whose_process_died_are_failed_at_the_next_start(tmp_path):
    crashed_backend = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from nemo_widgets.backend.store import Store\n"
        "store = Store(Path(sys.argv[1]))\n"
        "user = store.user_for_token(store.issue_anonymous_token('c', time.time()).token, time.time())\n"
        "_, session = store.create_session(user, 'en', time.time())\n"
        "store.add_render(user, 'orphan', session, time.time())\n"
        "os._exit(9)\n"  # dies without closing anything
    )
    with serving(tmp_path) as (client, store):
        alive_headers, alive_session = _user(client)
        store.add_render(store.user_for_token(alive_headers["Authorization"][7:], time.time()), "alive", alive_session,
                         time.time())
        crash = subprocess.run([sys.executable, "-c", crashed_backend, str(tmp_path)], capture_output=True, text=True,
                               env={**os.environ}, timeout=60)
        assert crash.returncode == 9, crash.stderr
        restarted = Store(tmp_path)
        try:
            assert restarted.shares_data_dir()
        finally:
            restarted.close()
        conn = sqlite3.connect(tmp_path / "nemo.sqlite3")
        statuses = dict(conn.execute("SELECT id, status || ':' || COALESCE(error, '') FROM renders").fetchall())
        conn.close()
        assert statuses == {"orphan": f"failed:{INTERRUPTED}", "alive": "pending:"}


def test_an_older_database_is_upgraded_and_its_unowned_renders_failed(tmp_path):
    old = sqlite3.connect(tmp_path / "nemo.sqlite3")
    old.executescript(
        "CREATE TABLE users (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL, credits_granted INTEGER "
        "NOT NULL, credits_consumed INTEGER NOT NULL DEFAULT 0, credits_frozen INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE renders (id TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id), session_id TEXT NOT NULL, "
        "status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, error TEXT, output TEXT, duration REAL, size INTEGER, "
        "created REAL NOT NULL, PRIMARY KEY (user_id, id));"
        "INSERT INTO users VALUES ('usr_old', 'anonymous', 0, 100, 0, 0);"
        "INSERT INTO renders (id, user_id, session_id, status, created) VALUES ('r', 'usr_old', 's', 'processing', 0);")
    old.commit()
    old.close()
    Store(tmp_path).close()
    upgraded = sqlite3.connect(tmp_path / "nemo.sqlite3")
    assert "owner" in {row[1] for row in upgraded.execute("PRAGMA table_info(renders)")}
    assert upgraded.execute("SELECT status, error FROM renders").fetchone() == ("failed", INTERRUPTED)
    upgraded.close()


# 15. Clean start and clean shutdown


def test_a_crashs_debris_is_removed_at_start_unless_another_backend_is_live(tmp_path):
    data = tmp_path / "data"
    media = data / "media" / "usr_x"
    kept = [media / "uploads" / "up_abc.png", media / "sess_1" / "song_1" / "song.wav", media / "renders" / "r.mp4"]
    debris = [media / "uploads" / "incoming_1a2b", media / "sess_1" / ".song_9f" / "song.wav",
              media / "renders" / ".r2.partial.mp4", media / "renders" / ".tmp-k3" / "title.ass"]

    def make_all() -> None:
        for path in kept + debris:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")

    outside = tmp_path / "outside"
    (outside / ".hidden").mkdir(parents=True)
    (outside / "incoming_not_ours").write_bytes(b"x")
    make_all()
    (media / "linked").symlink_to(outside)
    (media / ".linked").symlink_to(outside)
    with serving(data):
        assert all(p.exists() for p in kept) and not any(p.exists() for p in debris)
        assert not (media / ".linked").is_symlink() and (media / "linked").is_symlink()  # links are never followed
        assert (outside / ".hidden").is_dir() and (outside / "incoming_not_ours").exists()
        make_all()  # this live backend's work in progress
        with serving(data):
            assert all(p.exists() for p in kept + debris)
    conn = sqlite3.connect(data / "nemo.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM backends").fetchone()[0] == 0  # both left the folder when they stopped
    conn.close()
    with serving(data):
        assert all(p.exists() for p in kept) and not any(p.exists() for p in debris)
        assert not (media / "sess_1" / ".song_9f").exists()


def test_sigterm_during_a_render_exits_within_seconds_and_fails_the_job(tmp_path):
    process, base = serve_process(tmp_path)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            headers, session = _user(client)
            long_draft = {"t": [{"tt": 7, "sg": [{"st": 0, "d": 600_000, "role": "text", "text": "long"}]}]}
            client.post("/api/render/proxy/lambda", headers=headers,
                        json={"id": "long", "sessionId": session, "draft": long_draft, "output": {"quality": "draft"}})
            poll_render(client, headers, "long", frozenset({"processing"}))
            time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert time.monotonic() - started < 4
    finally:
        if process.poll() is None:
            process.kill()
    conn = sqlite3.connect(tmp_path / "nemo.sqlite3")
    assert conn.execute("SELECT status FROM renders WHERE id = 'long'").fetchone() == ("failed",)
    conn.close()


@pytest.mark.slow
def test_sigterm_during_a_song_exits_within_seconds(tmp_path):
    from tests.conftest import LYRICS_DIR

    process, base = serve_process(tmp_path)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            headers, session = _user(client)
            body = {"session_id": session, "new_message": {"parts": [
                {"text": "a chill lofi song:\n" + (LYRICS_DIR / "city_lights.txt").read_text()}]}}
            with client.stream("POST", "/run_sse", json=body, headers=headers) as response:
                for line in response.iter_lines():
                    if '"stage"' in line and '"queued"' not in line:
                        break  # the song is being made
                started = time.monotonic()
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=20) == 0
                assert time.monotonic() - started < 5
    finally:
        if process.poll() is None:
            process.kill()
