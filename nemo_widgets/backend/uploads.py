"""Uploads: multipart bodies streamed to disk and URL downloads, both capped while they stream.

The kind of a file is decided by decoding it, never by its name; names are sanitised and
only used for display. Links go to http(s) hosts on the public internet only, unless the
server was started with private addresses allowed: the host name is resolved once, every
address is checked, and the download connects to a checked address (no DNS rebinding).
Every failure removes what the upload wrote; parsing, writing, hashing and probing run on
worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
import secrets
import shutil
import socket
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, fields
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import IO, NamedTuple
from urllib.parse import unquote, urlsplit

import httpx
from anyio import to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from nemo_widgets.backend.errors import FILE_TOO_LARGE, UNSUPPORTED_FILE, ApiError, bad_request
from nemo_widgets.protocol.names import MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_UPLOAD_MB, SUPPORTED_FORMATS
from nemo_widgets.protocol.names import MAX_UPLOAD_BYTES as MAX_BYTES
from nemo_widgets.protocol.names import MAX_UPLOAD_FILES as MAX_FILES
from nemo_widgets.render.media_info import MediaInfo, media_info

RESOLVE_SECONDS = 5.0
DOWNLOAD_SECONDS = 120.0  # for the whole transfer of one link, not per read
WRITE_BLOCK = 1 << 20  # bytes gathered before one write on a worker thread
MAX_FORM_VALUE = 1024  # bytes a multipart text field (a session id) may hold
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = IPv4Address | IPv6Address


class Incoming(NamedTuple):
    """A file received but not yet checked: its display name, where it is, its size in bytes."""

    name: str
    path: Path
    size: int


@dataclass(frozen=True)
class Upload:
    id: str
    filename: str
    file_type: str  # video, image, audio
    format: str
    cdn_url: str
    duration: float | None
    width: int | None
    height: int | None
    fps: float | None
    hash: str
    size: int
    path: Path  # on this server's disk: never sent to clients nor kept in state

    def as_dict(self) -> dict:
        """What clients and the session state see: everything but the server path."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "path"}


def too_large() -> ApiError:
    return ApiError(FILE_TOO_LARGE, f"The file is over {MAX_UPLOAD_MB} MB: compress or trim it and upload it again.",
                    413)


def unsupported(name: str) -> ApiError:
    return ApiError(UNSUPPORTED_FILE,
                    f"{name} is not a media file we can use. Supported formats: {SUPPORTED_FORMATS}.", 415)


def picture_too_large(name: str, info: MediaInfo) -> ApiError:
    return ApiError(UNSUPPORTED_FILE, f"{name} is {info.width}x{info.height} pixels: pictures may be at most "
                    f"{MAX_IMAGE_SIDE} pixels on a side and {MAX_IMAGE_PIXELS // 1_000_000} megapixels. "
                    "Scale it down and upload it again.", 400)


def unreachable() -> ApiError:
    """The one answer for every network failure, so error texts cannot be used to scan hosts or ports."""
    return ApiError(UNSUPPORTED_FILE, "The link could not be downloaded: its host is unknown, not reachable or not "
                    "on the public internet.", 400)


def safe_name(name: str) -> str:
    """A display name with no path, no control characters and a sane length."""
    base = re.split(r"[\\\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .") or "upload"
    return base[-120:]


def _incoming_path(folder: Path) -> Path:
    return folder / f"incoming_{secrets.token_hex(8)}"


class _Part:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.file: IO[bytes] | None = None
        self.path: Path | None = None
        self.filename = ""
        self.size = 0
        self.form_name: str | None = None  # a text part's name, when its value is kept
        self.value = b""

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive_multipart(body: AsyncIterator[bytes], content_type: str, folder: Path, field: str = "files",
                            form: dict[str, str] | None = None) -> list[Incoming]:
    """Stream the file parts named `field` of a multipart body into `folder`; short text parts go into `form` when
    it is given (at most MAX_FORM_VALUE characters each), else they are dropped.

    Stops reading as soon as the body passes MAX_BYTES; on any failure (too large, malformed,
    cut short, the client gone) deletes everything it wrote before raising.
    """
    kind, options = parse_options_header(content_type.encode("latin-1", "replace"))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise ApiError(400, f"Send files as multipart/form-data in the field `{field}`"
                            + (", or JSON with `urls`." if field == "files" else "."), 400)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[_Part] = []  # only the file parts: other parts are dropped as soon as they end
    current = _Part()
    header: list[bytes] = [b"", b""]
    ended = False

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
        _, disposition = parse_options_header(current.headers.get("content-disposition", "").encode("utf-8"))
        if form is not None and b"filename" not in disposition and disposition.get(b"name"):
            current.form_name = disposition[b"name"].decode("utf-8", "replace")[:MAX_FORM_VALUE]
        if disposition.get(b"name") == field.encode() and b"filename" in disposition:
            if len(files) >= MAX_FILES:
                raise ApiError(400, f"Upload at most {MAX_FILES} files at once.", 400)
            current.filename = safe_name(disposition[b"filename"].decode("utf-8", "replace"))
            current.path = _incoming_path(folder)
            files.append(current)
            current.file = current.path.open("wb")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if current.form_name is not None:
            current.value += data[start:end]
            if len(current.value) > MAX_FORM_VALUE:
                raise bad_request(f"The form field `{current.form_name}` is too long ({MAX_FORM_VALUE} bytes at most).")
        if current.file is not None:
            current.file.write(data[start:end])
            current.size += end - start

    def on_part_end() -> None:
        if form is not None and current.form_name is not None:
            form[current.form_name] = current.value.decode("utf-8", "replace")
        if current.file is not None:
            current.file.close()
            current.file = None

    def on_end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(options[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end, "on_end": on_end,
    })
    received = 0
    pending = bytearray()
    try:
        async for chunk in body:
            received += len(chunk)
            if received > MAX_BYTES + 64 * 1024:
                raise too_large()
            pending += chunk
            if len(pending) >= WRITE_BLOCK:
                await to_thread.run_sync(parser.write, bytes(pending))
                pending.clear()
        await to_thread.run_sync(parser.write, bytes(pending))
        if not ended:
            raise ApiError(400, "The upload was cut short: the multipart body ended before its closing boundary.", 400)
        if any(part.size > MAX_BYTES for part in files):
            raise too_large()
    except BaseException as error:
        for part in files:
            part.discard()
        if isinstance(error, MultipartParseError):
            raise ApiError(400, "The multipart body is malformed: check its boundary and part headers.", 400) from None
        raise
    if not files:
        raise ApiError(400, f"No file came in the field `{field}`.", 400)
    return [Incoming(part.filename, part.path, part.size) for part in files]


@dataclass(frozen=True)
class Link:
    """A checked http(s) URL: the host as resolvers and certificates know it (IDNA), and its port."""

    url: httpx.URL
    host: str
    port: int

    @property
    def name(self) -> str:
        return safe_name(unquote(self.url.path.rsplit("/", 1)[-1]) or "download")


def parse_link(url: str) -> Link:
    """The link if it is a well-formed http(s) URL with a host; 400 when it is malformed, 4001 for another scheme."""
    try:
        port = urlsplit(url).port
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
    except (ValueError, httpx.InvalidURL, UnicodeError):
        raise bad_request(f"{url[:80]!r} is not a valid link.") from None
    if parsed.scheme not in ("http", "https"):
        raise ApiError(UNSUPPORTED_FILE, f"Only http and https links can be uploaded, not {url[:80]!r}.", 400)
    if not re.fullmatch(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*", host):
        raise bad_request(f"{url[:80]!r} is not a valid link: it names no valid host.")
    return Link(parsed, host, port or (443 if parsed.scheme == "https" else 80))


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address that an IPv6 address carries and reaches: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 (2002::/16)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if int(address) >> 32 == 0 or address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for a unicast address on the public internet; an IPv6 address that carries
    an IPv4 address is public only if both are."""
    if isinstance(address, IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and not is_public_address(inner):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (address.is_private or address.is_loopback or address.is_link_local
                                      or address.is_multicast or address.is_unspecified or address.is_reserved)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of `host`, looked up once on a worker thread, within RESOLVE_SECONDS."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS)
    except (OSError, TimeoutError, UnicodeError):
        raise unreachable() from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


async def _save(response: httpx.Response, path: Path) -> int:
    """Write a 200 answer's body to `path`, refusing it once it passes MAX_BYTES; its size."""
    if response.status_code != 200:
        hint = ": a redirect, give the address it points to" if response.is_redirect else ""
        raise ApiError(UNSUPPORTED_FILE, f"The link answered HTTP {response.status_code}{hint}.", 400)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise too_large()
    size = 0
    pending = bytearray()
    with path.open("wb") as out:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise too_large()
            pending += chunk
            if len(pending) >= WRITE_BLOCK:
                await to_thread.run_sync(out.write, bytes(pending))
                pending.clear()
        await to_thread.run_sync(out.write, bytes(pending))
    return size


async def _fetch(link: Link, addresses: Iterable[IPAddress], path: Path) -> int:
    """GET the link from the first of `addresses` that accepts a connection, naming the host in
    `Host` and, for https, in SNI so the certificate is still checked against the name."""
    extensions = {"sni_hostname": link.host} if link.url.scheme == "https" else {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=False,
                                 trust_env=False) as client:
        for address in addresses:
            try:
                async with client.stream("GET", link.url.copy_with(host=str(address)), extensions=extensions,
                                         headers={"Host": link.url.netloc.decode("ascii")}) as response:
                    return await _save(response, path)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                continue
            except (httpx.HTTPError, httpx.InvalidURL):
                raise unreachable() from None
    raise unreachable()


async def download_url(url: str, folder: Path, allow_private: bool) -> Incoming:
    """Fetch one link into `folder` within DOWNLOAD_SECONDS and MAX_BYTES; nothing is left behind on failure."""
    link = parse_link(url)
    folder.mkdir(parents=True, exist_ok=True)
    path = _incoming_path(folder)
    try:
        async with asyncio.timeout(DOWNLOAD_SECONDS):
            addresses = await resolve(link.host, link.port)
            if not allow_private and not all(is_public_address(address) for address in addresses):
                raise unreachable()
            size = await _fetch(link, addresses, path)
    except TimeoutError:
        path.unlink(missing_ok=True)
        raise unreachable() from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Incoming(link.name, path, size)


async def download_urls(urls: list[str], folder: Path, allow_private: bool) -> list[Incoming]:
    """Fetch every link, one after the other; if one fails, the ones already fetched are deleted too."""
    fetched: list[Incoming] = []
    try:
        for url in urls:
            fetched.append(await download_url(url, folder, allow_private))
    except BaseException:
        for item in fetched:
            item.path.unlink(missing_ok=True)
        raise
    return fetched


def register_file(name: str, incoming: Path, size: int, folder: Path, base_url: str) -> Upload:
    """Probe an incoming file; keep it under a content-derived name or delete it and refuse it (4001).

    Blocking (ffmpeg, hashing): call it on a worker thread. Whatever fails, nothing is left behind.
    """
    final: Path | None = None
    try:
        info = media_info(incoming)
        if info is None:
            raise unsupported(name)
        if info.width and info.height and (max(info.width, info.height) > MAX_IMAGE_SIDE
                                           or info.width * info.height > MAX_IMAGE_PIXELS):
            raise picture_too_large(name, info)
        digest = hashlib.sha256()
        with incoming.open("rb") as handle:
            for block in iter(lambda: handle.read(WRITE_BLOCK), b""):
                digest.update(block)
        upload_id = f"up_{secrets.token_hex(6)}"
        final = folder / f"{upload_id}.{info.container}"
        shutil.move(incoming, final)
    except BaseException:
        incoming.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return Upload(upload_id, name, info.kind, info.container, f"{base_url}/api/uploads/{upload_id}", info.duration,
                  info.width, info.height, info.fps, digest.hexdigest()[:16], size, final)


async def register_uploads(incoming: list[Incoming], folder: Path, base_url: str) -> list[Upload]:
    """Register every incoming file on worker threads, all or nothing: if one is refused or anything
    fails (even cancellation), every file of the request is deleted before the error goes on."""
    done: list[Upload] = []

    def register(item: Incoming) -> None:  # appends on the thread, so a cancelled wait still knows the file
        done.append(register_file(item.name, item.path, item.size, folder, base_url))

    try:
        for item in incoming:
            await to_thread.run_sync(register, item)
    except BaseException:
        for item in incoming:
            item.path.unlink(missing_ok=True)
        for upload in done:
            upload.path.unlink(missing_ok=True)
        raise
    return done
