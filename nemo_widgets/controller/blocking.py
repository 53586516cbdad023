"""`Session`: the blocking facade for scripts and notebook cells.

Its coroutines run on one background event-loop thread shared by the process, so a call
blocks only its caller and works the same inside Jupyter's running loop, with no
nest-asyncio patching of the kernel's loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from nemo_widgets.client.connection import describe_backend
from nemo_widgets.controller.batch import BatchItem, run_batch
from nemo_widgets.controller.console import ConsoleUpdates
from nemo_widgets.controller.session import DEFAULT_PROMPT, AsyncSession, ExportResult, Reply, TurnResult
from nemo_widgets.controller.updates import Update
from nemo_widgets.controller.tables import credits_frame
from nemo_widgets.protocol.names import Aspect, Voice

T = TypeVar("T")
_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The process's background event loop, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="nemo-loop", daemon=True).start()
            _loop = loop
        return _loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on the background loop and wait; Ctrl-C (or a kernel interrupt) cancels the work."""
    future = asyncio.run_coroutine_threadsafe(coroutine, background_loop())
    try:
        return future.result()
    except KeyboardInterrupt:
        future.cancel()
        raise


class Session:
    """A song session with plain method calls: `Session().generate(lyrics, "lo-fi")`, then `.export("song.mp4")`."""

    def __init__(self, *, base_url: str | None = None, token: str | None = None, session_id: str | None = None,
                 on_update: Callable[[Update], None] | None = None, dialect: str | None = None) -> None:
        self._session = run(AsyncSession.open(base_url=base_url, token=token, session_id=session_id,
                                              on_update=on_update or ConsoleUpdates(), dialect=dialect))

    @property
    def updates(self) -> Callable[[Update], None] | None:
        """Where progress and replies go; replace it to show them elsewhere (a cell's widgets, a log)."""
        return self._session.on_update

    @updates.setter
    def updates(self, callback: Callable[[Update], None] | None) -> None:
        self._session.on_update = callback

    @property
    def async_session(self) -> AsyncSession:
        return self._session

    @property
    def session_id(self) -> str | None:
        return self._session.session_id

    def generate(self, lyrics: str, prompt: str = DEFAULT_PROMPT, *, voice: Voice | None = None,
                 aspect: Aspect | None = None, seed: int | None = None, title: str | None = None,
                 instrumental: bool = False, duration: float | None = None) -> TurnResult:
        return run(self._session.generate(lyrics, prompt, voice=voice, aspect=aspect, seed=seed, title=title,
                                          instrumental=instrumental, duration=duration))

    def chat(self, message: str) -> TurnResult:
        return run(self._session.chat(message))

    def say(self, text: str, files: Sequence[Path | str] = ()) -> Reply:
        return run(self._session.say(text, files))

    def export(self, path: Path | str | None = None, *, quality: str = "high") -> ExportResult:
        return run(self._session.export(path, quality=quality))

    def resume(self) -> list[ExportResult]:
        return run(self._session.resume())

    def upload(self, items: Sequence[Path | str]) -> pd.DataFrame:
        return run(self._session.upload(items))

    def batch(self, items: Sequence[BatchItem | tuple[str | Path, str]], out_dir: Path | str, *,
              quality: str = "high") -> pd.DataFrame:
        return run(run_batch(self._session, items, out_dir, quality=quality))

    def credits(self) -> pd.DataFrame:
        return credits_frame(run(self._session.credits()))

    def refresh(self) -> dict[str, Any]:
        return run(self._session.refresh())

    @property
    def tracks(self) -> pd.DataFrame:
        return self._session.tracks

    @property
    def media(self) -> pd.DataFrame:
        return self._session.media

    @property
    def uploads(self) -> pd.DataFrame:
        return self._session.uploads

    @property
    def timeline(self) -> str:
        return self._session.timeline

    @property
    def backend(self) -> str:
        return describe_backend(self._session.client)

    def close(self) -> None:
        run(self._session.close())

    def __repr__(self) -> str:
        return f"<Session {self.backend}>"
