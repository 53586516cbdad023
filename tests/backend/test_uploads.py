"""Uploads over real HTTP: multipart and URL, type by content, size cap while streaming, SSRF refusal."""

import http.server
import socket
import threading
from functools import partial

import pytest

from tests.backend.conftest import lavfi, serving

MB = 1024 * 1024


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    lavfi(folder / "clip.mp4", "testsrc=s=320x240:r=24:d=1", "-pix_fmt", "yuv420p")
    lavfi(folder / "beat.mp3", "sine=d=2")
    cover = lavfi(folder / "cover.png", "testsrc=s=64x48", "-frames:v", "1")
    lavfi(folder / "covered.mp3", "sine=d=2", "-i", str(cover), "-map", "0", "-map", "1", "-c:v", "png",
          "-disposition:v", "attached_pic")
    (folder / "notes.mp4").write_text("this is text pretending to be a video")
    return folder


def _setup(client, client_id="uploader"):
    token = client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id}).json()["data"]["token"]
    headers = {"Authorization": f"Bearer {token}"}
    session = client.post("/api/tasks/me/with-session/nemo_agent", json={}, headers=headers).json()["data"]["session_id"]
    return headers, session


def test_multipart_files_are_typed_by_content(tmp_path, media):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        files = [("files", ("../../etc/My Clip.MP4", (media / "clip.mp4").read_bytes(), "application/octet-stream")),
                 ("files", ("beat.mp3", (media / "beat.mp3").read_bytes(), "audio/mpeg")),
                 ("files", ("cover.png", (media / "cover.png").read_bytes(), "image/png"))]
        body = client.post(f"/api/upload-video/nemo_agent/me/{session}", files=files, headers=headers).json()
        assert body["code"] == 0 and body["data"]["session_state_applied"] is True
        got = body["data"]["files"]
        assert [(f["filename"], f["file_type"], f["format"]) for f in got] == [
            ("My Clip.MP4", "video", "mp4"), ("beat.mp3", "audio", "mp3"), ("cover.png", "image", "png")]
        assert got[0]["width"] == 320 and got[0]["height"] == 240 and got[0]["fps"] == 24 and abs(got[0]["duration"] - 1) < 0.1
        assert client.get(got[1]["cdn_url"].replace(str(client.base_url), ""), headers=headers).content == (media / "beat.mp3").read_bytes()
        state = client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=headers).json()["data"]["state"]
        assert [v["id"] for v in state["video_infos"]] == [f["id"] for f in got]
        other, _ = _setup(client, "stranger")
        assert client.get(f"/api/uploads/{got[1]['id']}", headers=other).status_code == 404
        for pattern in ("up_*", "up_[0-9a-f]*", "*", "..%2F..%2Fnemo.sqlite3"):  # ids are names, not glob patterns
            assert client.get(f"/api/uploads/{pattern}", headers=headers).status_code == 404, pattern


def test_an_mp3_with_cover_art_is_audio(tmp_path, media):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        files = [("files", ("covered.mp3", (media / "covered.mp3").read_bytes(), "audio/mpeg"))]
        got = client.post(f"/api/upload-video/nemo_agent/me/{session}", files=files, headers=headers).json()["data"]
        assert (got["files"][0]["file_type"], got["files"][0]["format"]) == ("audio", "mp3")


def test_a_file_that_is_not_media_is_refused_and_not_kept(tmp_path, media):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        files = [("files", ("notes.mp4", (media / "notes.mp4").read_bytes(), "video/mp4"))]
        response = client.post(f"/api/upload-video/nemo_agent/me/{session}", files=files, headers=headers)
        assert response.status_code == 415 and response.json()["code"] == 4001
        assert "MP4, MOV" in response.json()["message"]
        assert not [p for p in tmp_path.rglob("*") if p.is_file() and "uploads" in p.parts]


def _chunks(total, boundary):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.mp4\"\r\n"
           "Content-Type: video/mp4\r\n\r\n").encode()
    block = b"\0" * MB
    sent = 0
    while sent < total:
        piece = block[: min(MB, total - sent)]
        sent += len(piece)
        yield piece
    yield f"\r\n--{boundary}--\r\n".encode()


def test_200_mb_and_one_byte_is_refused_while_streaming(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        boundary = "nemo-test-boundary"
        response = client.post(f"/api/upload-video/nemo_agent/me/{session}", content=_chunks(200 * MB + 1, boundary),
                               headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 413 and response.json()["code"] == 4002
        leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and "uploads" in p.parts]
        assert leftovers == []
        host, port = client.base_url.host, client.base_url.port
        with socket.create_connection((host, port), timeout=10) as raw:
            raw.sendall((f"POST /api/upload-video/nemo_agent/me/{session} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Authorization: {headers['Authorization']}\r\nContent-Length: {300 * MB}\r\n"
                         f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n").encode())
            answer = raw.recv(4096).decode()
        assert answer.startswith("HTTP/1.1 413 ")


@pytest.fixture
def file_server(media):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(media))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_url_uploads_refuse_private_addresses_unless_allowed(tmp_path, file_server):
    with serving(tmp_path / "strict") as (client, _):
        headers, session = _setup(client)
        for url in (f"{file_server}/beat.mp3", "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
                    "file:///etc/passwd", "ftp://example.com/a.mp3"):
            response = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                                   json={"urls": [url], "source_type": "url"})
            assert response.json()["code"] == 4001, url
    with serving(tmp_path / "open", allow_private_urls=True) as (client, _):
        headers, session = _setup(client)
        response = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                               json={"urls": [f"{file_server}/beat.mp3"], "source_type": "url"})
        assert response.json()["data"]["files"][0]["file_type"] == "audio"
        response = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                               json={"urls": [f"{file_server}/notes.mp4"], "source_type": "url"})
        assert response.json()["code"] == 4001
