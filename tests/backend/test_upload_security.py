"""Uploads under attack, over real HTTP: links to loopback in every disguise, one error text for every
network failure, one DNS lookup, a deadline for the whole download, oversized pictures, crafted playlists,
and nothing left in the uploads folder after any failure.

No traffic leaves loopback: socket.getaddrinfo (the standard library) is wrapped so that only `localhost`
and address literals resolve; every other name fails without asking a DNS server.
"""

import contextlib
import http.server
import ipaddress
import socket
import ssl
import subprocess
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from nemo_widgets.backend import uploads
from nemo_widgets.backend.uploads import embedded_ipv4, is_public_address
from nemo_widgets.render.media_info import has_stream, media_info
from tests.backend.conftest import lavfi, serving
from tests.backend.test_uploads import _setup

UNREACHABLE = uploads.unreachable().message
MB = 1024 * 1024


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    lavfi(folder / "clip.mp4", "testsrc=s=320x240:r=24:d=1", "-pix_fmt", "yuv420p")
    lavfi(folder / "beat.mp3", "sine=d=1")
    lavfi(folder / "huge.png", "color=s=9000x9000", "-pix_fmt", "gray", "-frames:v", "1")
    lavfi(folder / "wide.png", "color=s=9000x600", "-pix_fmt", "gray", "-frames:v", "1")
    (folder / "cut.mp4").write_bytes((folder / "clip.mp4").read_bytes()[:3000])
    (folder / "notes.mp4").write_text("this is text pretending to be a video")
    return folder


class _Recorder(http.server.SimpleHTTPRequestHandler):
    """Serves the media folder and records each request's path and Host header."""

    seen: list[tuple[str, str]]

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.seen.append((self.path, self.headers.get("Host", "")))
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def file_server(media):
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(media)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """Names looked up in this process: only `localhost` and literals resolve; `slow.invalid` takes 3 s."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        asked.append(name)
        if name == "slow.invalid":
            time.sleep(3)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _upload_links(client, headers, session, urls):
    return client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                       json={"urls": urls, "source_type": "url"})


def _answer(response) -> tuple[int, int, str]:
    return response.status_code, response.json()["code"], response.json()["message"]


def _leftovers(data: Path) -> list[Path]:
    return [p for p in data.rglob("*") if p.is_file() and "uploads" in p.parts]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "0.1.2.3",
    "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1",
    "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12::1", "fec0::1", "ff02::1", "ff0e::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "::127.0.0.1", "::10.0.0.1", "::169.254.169.254",  # IPv4-compatible
    "64:ff9b::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::169.254.169.254",  # NAT64
    "2002:7f00:1::1", "2002:a00:1::1", "2002:a9fe:a9fe::",  # 6to4
])
def test_the_address_checker_refuses_private_addresses_in_every_form(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:81b::200e"])
def test_the_address_checker_accepts_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(("address", "inner"), [
    ("::ffff:1.2.3.4", "1.2.3.4"), ("::1.2.3.4", "1.2.3.4"), ("64:ff9b::1.2.3.4", "1.2.3.4"),
    ("2002:102:304:5::6", "1.2.3.4"), ("2606:4700:4700::1111", None), ("fe80::1", None),
])
def test_the_ipv4_inside_an_ipv6_address_is_found(address, inner):
    found = embedded_ipv4(ipaddress.IPv6Address(address))
    assert (str(found) if found else None) == inner


def test_loopback_links_in_any_disguise_are_refused_with_one_text(tmp_path, file_server):
    port, seen = file_server
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        for host in ("127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]",
                     "[2002:7f00:1::]", "2130706433", "127.1"):
            response = _upload_links(client, headers, session, [f"http://{host}:{port}/beat.mp3"])
            assert _answer(response) == (400, 4001, UNREACHABLE), host
    assert seen == []
    assert _leftovers(tmp_path) == []


def test_every_network_failure_gives_the_same_text(tmp_path, dns):
    with serving(tmp_path, allow_private_urls=True) as (client, _):
        headers, session = _setup(client)
        for url in (f"http://127.0.0.1:{_closed_port()}/a.mp4", f"http://localhost:{_closed_port()}/a.mp4",
                    "http://no-such-host.invalid/a.mp4", "https://no-such-host.invalid/a.mp4"):
            response = _upload_links(client, headers, session, [url])
            assert _answer(response) == (400, 4001, UNREACHABLE), url
    assert "no-such-host.invalid" in dns
    assert _leftovers(tmp_path) == []


def test_a_failed_certificate_is_the_same_text_and_the_name_went_in_sni(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))

    def accept_one() -> None:
        connection, _ = listener.accept()
        with connection, contextlib.suppress(ssl.SSLError, OSError):
            context.wrap_socket(connection, server_side=True).recv(1)

    thread = threading.Thread(target=accept_one, daemon=True)
    thread.start()
    with serving(tmp_path / "data", allow_private_urls=True) as (client, _):
        headers, session = _setup(client)
        response = _upload_links(client, headers, session, [f"https://localhost:{listener.getsockname()[1]}/a.mp4"])
    thread.join(timeout=10)
    listener.close()
    assert _answer(response) == (400, 4001, UNREACHABLE)
    assert names == ["localhost"]


def test_a_private_link_allowed_is_fetched_from_the_address_resolved_once(tmp_path, file_server, dns):
    port, seen = file_server
    with serving(tmp_path, allow_private_urls=True) as (client, _):
        headers, session = _setup(client)
        dns.clear()
        response = _upload_links(client, headers, session, [f"http://localhost:{port}/beat.mp3"])
        assert response.json()["data"]["files"][0]["file_type"] == "audio"
    assert dns.count("localhost") == 1
    assert seen == [("/beat.mp3", f"localhost:{port}")]


def test_name_lookups_have_a_deadline_and_do_not_block_the_server(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "RESOLVE_SECONDS", 1.0)
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        answers: dict[str, object] = {}

        def slow_upload() -> None:
            started = time.monotonic()
            answers["upload"] = _upload_links(client, headers, session, ["http://slow.invalid/a.mp4"])
            answers["seconds"] = time.monotonic() - started

        worker = threading.Thread(target=slow_upload)
        worker.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert client.get("/api/credits/balance/simple", headers=headers).status_code == 200
        assert time.monotonic() - started < 1.5  # the lookup takes 3 s: it must not hold the event loop
        worker.join(timeout=20)
    assert answers["upload"].json()["message"] == UNREACHABLE
    assert answers["seconds"] < 2.5


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Answers 200 and then one byte every 0.2 s for 8 s: never idle long enough for a per-read timeout."""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.2)

    def log_message(self, *args) -> None:
        pass


def test_a_download_has_one_deadline_for_the_whole_transfer(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "DOWNLOAD_SECONDS", 1.5)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with serving(tmp_path, allow_private_urls=True) as (client, _):
            headers, session = _setup(client)
            started = time.monotonic()
            response = _upload_links(client, headers, session, [f"http://127.0.0.1:{server.server_address[1]}/a"])
            elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert response.json()["message"] == UNREACHABLE
    assert elapsed < 4
    assert _leftovers(tmp_path) == []


def test_malformed_links_are_a_clean_400(tmp_path):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        for url in ("http://x:99999/a.mp4", "http://[::1/a.mp4", "http:///a.mp4", "http://exa mple.com/a.mp4",
                    "http://a\u0000b/", "https://-:x@/"):
            response = _upload_links(client, headers, session, [url])
            assert (response.status_code, response.json()["code"]) == (400, 400), url
        assert client.get("/api/credits/balance/simple", headers=headers).status_code == 200


def test_pictures_over_the_limits_are_refused_quickly_and_not_kept(tmp_path, media):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        for name, size in (("huge.png", "9000x9000"), ("wide.png", "9000x600")):
            started = time.monotonic()
            response = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                                   files=[("files", (name, (media / name).read_bytes(), "image/png"))])
            assert time.monotonic() - started < 5
            assert (response.status_code, response.json()["code"]) == (400, 4001)
            assert f"{name} is {size} pixels" in response.json()["message"] and "8192" in response.json()["message"]
    assert _leftovers(tmp_path) == []


def _playlist(folder: Path, media: Path, port: int) -> Path:
    playlist = folder / "list.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{media / 'clip.mp4'}\n"
                        f"#EXTINF:1,\nhttp://127.0.0.1:{port}/clip.mp4\n#EXT-X-ENDLIST\n")
    return playlist


def test_a_crafted_playlist_is_not_followed_by_the_probe(tmp_path, media, file_server):
    port, seen = file_server
    playlist = _playlist(tmp_path, media, port)
    assert media_info(playlist) is None
    assert not has_stream(playlist, "video")
    assert seen == []
    with serving(tmp_path / "data") as (client, _):
        headers, session = _setup(client)
        response = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                               files=[("files", ("list.m3u8", playlist.read_bytes(), "application/vnd.apple.mpegurl"))])
        assert response.json()["code"] == 4001
    assert seen == []
    assert _leftovers(tmp_path / "data") == []


def test_upload_responses_and_state_hold_no_server_path(tmp_path, media):
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        response = client.post(f"/api/upload-video/nemo_agent/me/{session}", headers=headers,
                               files=[("files", ("clip.mp4", (media / "clip.mp4").read_bytes(), "video/mp4"))])
        state = client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=headers)
    keys = {"id", "filename", "file_type", "format", "cdn_url", "duration", "width", "height", "fps", "hash", "size"}
    assert set(response.json()["data"]["files"][0]) == keys
    assert set(state.json()["data"]["state"]["video_infos"][0]) == keys
    assert str(tmp_path) not in response.text and str(tmp_path) not in state.text
    upload_id = response.json()["data"]["files"][0]["id"]
    assert [p.name for p in _leftovers(tmp_path)] == [f"{upload_id}.mp4"]


def _multipart(boundary: str, files: list[tuple[str, bytes]], close: bool = True) -> bytes:
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for name, data in files)
    return body + (f"--{boundary}--\r\n".encode() if close else b"")


def test_every_failed_upload_leaves_nothing_behind(tmp_path, media):
    clip = (media / "clip.mp4").read_bytes()
    boundary = "nemo-test-boundary"
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        url = f"/api/upload-video/nemo_agent/me/{session}"
        form = {**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        cases = {
            "cut short": (client.post(url, headers=form, content=_multipart(boundary, [("a.mp4", clip)], close=False)),
                          400, "cut short"),
            "wrong boundary": (client.post(url, content=_multipart(boundary, [("a.mp4", clip)]), headers={
                **headers, "Content-Type": "multipart/form-data; boundary=other"}), 400, "malformed"),
            "probe fails": (client.post(url, headers=form, content=_multipart(boundary, [("cut.mp4", clip[:3000])])),
                            415, "not a media file"),
            "second refused": (client.post(url, headers=form, content=_multipart(
                boundary, [("a.mp4", clip), ("notes.mp4", (media / "notes.mp4").read_bytes())])), 415, "notes.mp4"),
            "too many files": (client.post(url, headers=form, content=_multipart(
                boundary, [(f"{i}.mp4", clip) for i in range(21)])), 400, "at most 20"),
        }
        for case, (response, status, words) in cases.items():
            assert response.status_code == status and words in response.json()["message"], case
            assert _leftovers(tmp_path) == [], case


def test_a_client_gone_mid_body_leaves_nothing_behind(tmp_path, media):
    boundary = "nemo-test-boundary"
    with serving(tmp_path) as (client, _):
        headers, session = _setup(client)
        host, port = client.base_url.host, client.base_url.port
        start = _multipart(boundary, [("a.mp4", b"\0" * (3 * MB))], close=False)
        with socket.create_connection((host, port), timeout=10) as raw:
            raw.sendall((f"POST /api/upload-video/nemo_agent/me/{session} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Authorization: {headers['Authorization']}\r\nContent-Length: {50 * MB}\r\n"
                         f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n").encode() + start)
            deadline = time.monotonic() + 5
            while not _leftovers(tmp_path) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _leftovers(tmp_path), "the upload should have started writing"
        deadline = time.monotonic() + 5
        while _leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _leftovers(tmp_path) == []
        assert client.get("/api/credits/balance/simple", headers=headers).status_code == 200


def test_a_failed_link_among_several_removes_the_ones_fetched(tmp_path, file_server):
    port, _ = file_server
    with serving(tmp_path, allow_private_urls=True) as (client, _):
        headers, session = _setup(client)
        response = _upload_links(client, headers, session, [f"http://127.0.0.1:{port}/beat.mp3",
                                                            f"http://127.0.0.1:{_closed_port()}/a.mp4"])
        assert response.json()["message"] == UNREACHABLE
    assert _leftovers(tmp_path) == []
