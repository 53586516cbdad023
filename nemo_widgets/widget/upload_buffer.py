"""Files arriving from the browser in chunks, written to a temporary folder until the last one.

The folder belongs to the buffer: `discard()` removes it, and so does the interpreter's exit
if the buffer is never discarded.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from pathlib import Path

from nemo_widgets.protocol.names import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB


class UploadError(ValueError):
    pass


class UploadBuffer:
    def __init__(self, name: str, size: int) -> None:
        if size > MAX_UPLOAD_BYTES:
            raise UploadError(f"{name} is over the {MAX_UPLOAD_MB} MB limit: compress or trim it first.")
        safe = re.sub(r"[^\w.\- ]", "_", Path(name).name).strip() or "upload"
        self.folder = Path(tempfile.mkdtemp(prefix="nemo-upload-"))
        self._remove = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.path = self.folder / safe
        self.size = size
        self.received = 0
        self.path.touch()

    def add(self, offset: int, chunk: bytes) -> None:
        if offset != self.received:
            raise UploadError(f"{self.path.name}: a piece arrived out of order; upload it again.")
        if self.received + len(chunk) > self.size:
            raise UploadError(f"{self.path.name} is larger than announced; upload it again.")
        with self.path.open("ab") as handle:
            handle.write(chunk)
        self.received += len(chunk)

    @property
    def complete(self) -> bool:
        return self.received == self.size

    def discard(self) -> None:
        """Remove the file and its folder (at most once)."""
        self._remove()
