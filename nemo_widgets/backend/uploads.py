"""Uploads: multipart bodies streamed to disk and URL downloads, both capped while they stream.

The kind of a file is decided by decoding it, never by its name; names are sanitised and
only used for display. Downloads by URL go to http(s) hosts on the public internet only,
unless the server was started with private addresses allowed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from python_multipart.multipart import MultipartParser, parse_options_header

from nemo_widgets.backend.errors import FILE_TOO_LARGE, UNSUPPORTED_FILE, ApiError
from nemo_widgets.render.media_info import SUPPORTED, media_info

MAX_BYTES = 200 * 1024 * 1024
MAX_FILES = 20
URL_TIMEOUT = 60.0


@dataclass(frozen=True)
class Upload:
    id: str
    filename: str
    file_type: str  # video, image, audio
    format: str
    path: str
    cdn_url: str
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None
    hash: str
    size: int

    def as_dict(self) -> dict:
        return asdict(self)


def too_large() -> ApiError:
    return ApiError(FILE_TOO_LARGE, "The file is over 200 MB: compress or trim it and upload it again.", 413)


def unsupported(name: str) -> ApiError:
    return ApiError(UNSUPPORTED_FILE, f"{name} is not a media file we can use. Supported formats: {SUPPORTED}.", 415)


def safe_name(name: str) -> str:
    """A display name with no path, no control characters and a sane length."""
    base = re.split(r"[\\\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .") or "upload"
    return base[-120:]


class _Part:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.field = b""
        self.value = b""
        self.file = None
        self.path: Path | None = None
        self.filename = ""
        self.size = 0


async def receive_multipart(body: AsyncIterator[bytes], content_type: str, folder: Path) -> list[tuple[str, Path, int]]:
    """Stream the `files` parts of a multipart body into `folder`: [(sanitised name, path, bytes)].

    Stops reading and deletes what it wrote as soon as the body passes MAX_BYTES.
    """
    kind, options = parse_options_header(content_type.encode())
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise ApiError(400, "Send files as multipart/form-data in the field `files`, or JSON with `urls`.", 400)
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[_Part] = []
    current = _Part()
    header: list[bytes] = [b"", b""]

    def on_part_begin() -> None:
        nonlocal current
        current = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        current.headers[header[0].decode("latin-1").lower()] = header[1].decode("utf-8", "replace")
        header[0], header[1] = b"", b""

    def on_headers_finished() -> None:
        _, disposition = parse_options_header(current.headers.get("content-disposition", "").encode())
        current.field = disposition.get(b"name", b"")
        if current.field == b"files" and b"filename" in disposition:
            if len(saved) >= MAX_FILES:
                raise ApiError(400, f"Upload at most {MAX_FILES} files at once.", 400)
            current.filename = safe_name(disposition[b"filename"].decode("utf-8", "replace"))
            current.path = folder / f"incoming_{secrets.token_hex(8)}"
            current.file = current.path.open("wb")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if current.file is not None:
            current.file.write(data[start:end])
            current.size += end - start

    def on_part_end() -> None:
        if current.file is not None:
            current.file.close()
            saved.append(current)

    parser = MultipartParser(options[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    received = 0
    try:
        async for chunk in body:
            received += len(chunk)
            if received > MAX_BYTES + 64 * 1024:
                raise too_large()
            parser.write(chunk)
        parser.finalize()
        if any(part.size > MAX_BYTES for part in saved):
            raise too_large()
    except BaseException:
        if current.file is not None:
            current.file.close()
        for part in [*saved, current]:
            if part.path is not None:
                part.path.unlink(missing_ok=True)
        raise
    if not saved:
        raise ApiError(400, "No file came in the field `files`.", 400)
    return [(part.filename, part.path, part.size) for part in saved]


def check_url(url: str, allow_private: bool) -> None:
    """Only http(s) URLs to public addresses (unless private ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(UNSUPPORTED_FILE, f"Only http and https links can be uploaded, not {url[:80]!r}.", 400)
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        raise ApiError(UNSUPPORTED_FILE, f"The host {parts.hostname} cannot be found.", 400) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise ApiError(UNSUPPORTED_FILE, f"Links to private, loopback or link-local addresses are refused ({parts.hostname}).", 400)


async def download_url(url: str, folder: Path, allow_private: bool) -> tuple[str, Path, int]:
    """Fetch a link into `folder` with size and time limits; (sanitised name, path, bytes)."""
    check_url(url, allow_private)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"incoming_{secrets.token_hex(8)}"
    size = 0
    try:
        async with (httpx.AsyncClient(timeout=URL_TIMEOUT, follow_redirects=False) as client,
                    client.stream("GET", url) as response):
            if response.status_code != 200:
                raise ApiError(UNSUPPORTED_FILE, f"The link answered HTTP {response.status_code}.", 400)
            if int(response.headers.get("content-length") or 0) > MAX_BYTES:
                raise too_large()
            with path.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise too_large()
                    out.write(chunk)
    except httpx.HTTPError as error:
        path.unlink(missing_ok=True)
        raise ApiError(UNSUPPORTED_FILE, f"The link could not be downloaded: {type(error).__name__}.", 400) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return safe_name(urlsplit(url).path.rsplit("/", 1)[-1] or "download"), path, size


def register_file(name: str, incoming: Path, size: int, folder: Path, base_url: str) -> Upload:
    """Probe an incoming file; keep it under a content-derived name or delete it and refuse it (4001)."""
    info = media_info(incoming)
    if info is None:
        incoming.unlink(missing_ok=True)
        raise unsupported(name)
    digest = hashlib.sha256()
    with incoming.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    upload_id = f"up_{secrets.token_hex(6)}"
    final = folder / f"{upload_id}.{info.container}"
    shutil.move(incoming, final)
    return Upload(upload_id, name, info.kind, info.container, str(final), f"{base_url}/api/uploads/{upload_id}",
                  info.duration, info.width, info.height, info.fps, digest.hexdigest()[:16], size)
