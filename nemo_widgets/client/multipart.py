"""A multipart/form-data body streamed from disk with a known length, so uploads report progress
and a 200 MB video never sits in memory."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path

CHUNK = 1 << 20


class MultipartBody:
    """`files` under one field name, after plain form `fields` (the gateway wants the session id next to the file)."""

    def __init__(self, field: str, files: Sequence[Path], progress: Callable[[int, int], None] | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        self.boundary = f"nemo-{uuid.uuid4().hex}"
        self.files = list(files)
        self.progress = progress
        self._fields = b"".join(self._field(name, value) for name, value in (fields or {}).items())
        self._heads = [self._head(field, path) for path in self.files]
        self._tail = f"--{self.boundary}--\r\n".encode()
        self.length = len(self._fields) + sum(len(h) + p.stat().st_size + 2 for h, p in zip(self._heads, self.files)) \
            + len(self._tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _field(self, name: str, value: str) -> bytes:
        return (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{_safe(name)}\"\r\n\r\n"
                f"{value}\r\n").encode()

    def _head(self, field: str, path: Path) -> bytes:
        name = _safe(path.name)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                f"Content-Type: {kind}\r\n\r\n").encode()

    async def stream(self) -> AsyncIterator[bytes]:
        sent = 0
        if self._fields:
            yield self._fields
        for head, path in zip(self._heads, self.files):
            yield head
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    sent += len(chunk)
                    if self.progress:
                        self.progress(sent, self.length)
                    yield chunk
            yield b"\r\n"
        yield self._tail
        if self.progress:
            self.progress(self.length, self.length)


def _safe(name: str) -> str:
    """A name that cannot end the header it sits in."""
    return name.replace('"', "_").replace("\r", "_").replace("\n", "_")
