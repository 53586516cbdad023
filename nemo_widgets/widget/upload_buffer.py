"""Files arriving from the browser in chunks, written to a temporary folder until the last one."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from nemo_widgets.client.errors import MAX_UPLOAD_BYTES



class UploadError(ValueError):
    pass


class UploadBuffer:
    def __init__(self, name: str, size: int) -> None:
        if size > MAX_UPLOAD_BYTES:
            raise UploadError(f"{name} is over the 200 MB limit: compress or trim it first.")
        safe = re.sub(r"[^\w.\- ]", "_", Path(name).name).strip() or "upload"
        self.folder = Path(tempfile.mkdtemp(prefix="nemo-upload-"))
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
        self.path.unlink(missing_ok=True)
        self.folder.rmdir()
