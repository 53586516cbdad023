"""Render ids kept on disk per backend and session, so a kernel restart does not orphan an export."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class PendingRender:
    render_id: str
    session_id: str
    target: str
    created: float


class RenderLog:
    def __init__(self, path: Path, backend_key: str) -> None:
        self.path = path
        self.backend_key = backend_key

    def add(self, render_id: str, session_id: str, target: Path) -> None:
        data = self._read()
        entries = data.setdefault(self.backend_key, [])
        entries.append(asdict(PendingRender(render_id, session_id, str(target), time.time())))
        self._write(data)

    def remove(self, render_id: str) -> None:
        data = self._read()
        data[self.backend_key] = [e for e in data.get(self.backend_key, []) if e.get("render_id") != render_id]
        self._write(data)

    def pending(self, session_id: str | None = None) -> list[PendingRender]:
        found = []
        for entry in self._read().get(self.backend_key, []):
            try:
                render = PendingRender(str(entry["render_id"]), str(entry["session_id"]), str(entry["target"]),
                                       float(entry["created"]))
            except (KeyError, TypeError, ValueError):
                continue
            if session_id is None or render.session_id == session_id:
                found.append(render)
        return found

    def _read(self) -> dict[str, list[dict]]:
        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, list[dict]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(data, indent=1))
        os.replace(temp, self.path)
