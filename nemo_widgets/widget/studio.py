"""`SongStudio`: lyrics and a style in, a song video out, refined by chat, in one notebook cell.

All state is in traitlets synced with the front end (`js/src/studio.js`). Button presses
arrive as custom messages and start asyncio tasks on the kernel's own event loop, so a
cell never blocks and never waits for the browser; the tasks update the traits as the
backend streams progress. Videos reach the browser as binary buffers, never as URLs.

Each studio owns its turns: the first takes the kernel's session (the one the magics use), a
studio opened while another holds it gets a session of its own, so two studios never talk over
each other. Studios open their sessions one at a time, so they share one anonymous token.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets as t
from ipywidgets import CallbackDispatcher

from nemo_widgets.client.connection import describe_backend
from nemo_widgets.client.errors import NemoError, NoCredits, no_credits_message
from nemo_widgets.controller.blocking import background_loop
from nemo_widgets.controller.kernel_session import current_session_id, remember_session
from nemo_widgets.controller.session import DEFAULT_PROMPT, AsyncSession, ExportResult, TurnResult
from nemo_widgets.controller.timeline import segments
from nemo_widgets.controller.updates import STATUS_LINE, Update, UpdateKind
from nemo_widgets.protocol.draft import has_segments
from nemo_widgets.protocol.names import ASPECTS, MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, UPLOAD_SUFFIXES, VOICES
from nemo_widgets.widget.upload_buffer import UploadBuffer, UploadError

_LOG = logging.getLogger(__name__)
_LOG.addHandler(logging.NullHandler())
STATIC = Path(__file__).parent / "static"
# a chip sets the style and the controls its words name, so the controls (which win over words) agree with it
EXAMPLES = [{"prompt": "an upbeat pop song with vocals"},
            {"prompt": "a chill lo-fi song, male vocals", "voice": "male"},
            {"prompt": "a rock anthem, 140 bpm"},
            {"prompt": "a sad piano ballad in E minor"},
            {"prompt": "an energetic EDM track for TikTok", "aspect": "9:16"}]
LYRICS_SUFFIXES = (".txt", ".lrc")
INPUT_TRAITS = ("lyrics", "prompt", "voice", "aspect", "seed")  # what a user sets, in the order the studio shows it
_owners: weakref.WeakValueDictionary[str, SongStudio] = weakref.WeakValueDictionary()  # session id -> its studio
_opening: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _opening_lock() -> asyncio.Lock:
    """The running loop's lock around opening a session (a lock belongs to one loop)."""
    return _opening.setdefault(asyncio.get_running_loop(), asyncio.Lock())


class SongStudio(anywidget.AnyWidget):
    _esm = STATIC / "studio.js"
    _css = STATIC / "studio.css"

    lyrics = t.Unicode("").tag(sync=True)
    prompt = t.Unicode(DEFAULT_PROMPT).tag(sync=True)
    voice = t.Enum(VOICES, VOICES[0]).tag(sync=True)
    aspect = t.Enum(ASPECTS, ASPECTS[0]).tag(sync=True)
    # the protocol's names and limits, sent to the front end so it keeps no copy of them
    voices = t.List(t.Unicode(), list(VOICES)).tag(sync=True)
    aspects = t.List(t.Unicode(), list(ASPECTS)).tag(sync=True)
    upload_suffixes = t.List(t.Unicode(), [*UPLOAD_SUFFIXES, *(s.lstrip(".") for s in LYRICS_SUFFIXES)]).tag(sync=True)
    max_upload_bytes = t.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    max_upload_mb = t.Int(MAX_UPLOAD_MB).tag(sync=True)
    seed = t.Int(None, allow_none=True).tag(sync=True)
    examples = t.List(t.Dict(), EXAMPLES).tag(sync=True)
    status = t.Unicode("").tag(sync=True)
    stage = t.Unicode("").tag(sync=True)
    percent = t.Float(-1.0).tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    has_song = t.Bool(False).tag(sync=True)
    transcript = t.List(t.Dict()).tag(sync=True)
    tracks = t.List(t.Dict()).tag(sync=True)
    credits = t.Float(None, allow_none=True).tag(sync=True)
    error = t.Dict().tag(sync=True)
    backend = t.Unicode("").tag(sync=True)
    # what a new song costs on this backend (None: not known, as on the cloud) and, when the balance is below it,
    # the sentence that says so before anything is tried
    generate_cost = t.Int(None, allow_none=True).tag(sync=True)
    credits_short = t.Unicode("").tag(sync=True)

    def __init__(self, *, session: AsyncSession | None = None, export_dir: str | Path = "nemo_exports",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self._owns_session = session is None  # a session the studio opened is closed with it
        self._generating = False  # a Generate request is running or waiting to run
        self._song_callbacks = CallbackDispatcher()
        self._export_callbacks = CallbackDispatcher()
        self._connected = False
        self.export_dir = Path(export_dir)
        self.video_path: Path | None = None
        self._preview_dir = Path(tempfile.mkdtemp(prefix="nemo-preview-"))
        self._remove_previews = weakref.finalize(self, shutil.rmtree, self._preview_dir, ignore_errors=True)
        self._video: tuple[str, bytes] | None = None
        self._uploads: dict[str, UploadBuffer] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._work = asyncio.Lock()
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # outside a kernel (a script): work runs on the background loop
            self._loop = background_loop()
        self.on_msg(self._on_message)

    def __new__(cls, *args: Any, **kwargs: Any) -> SongStudio:
        """Refuses unknown keyword arguments (traitlets would only warn), before any widget is made."""
        unknown = sorted(set(kwargs) - {"session", "export_dir", *cls.class_trait_names()})
        if unknown:
            raise TypeError(f"SongStudio() got unexpected keyword arguments: {', '.join(unknown)}; it takes session, "
                            f"export_dir and its traits ({', '.join(INPUT_TRAITS)}, ...)")
        return super().__new__(cls, *args, **kwargs)

    @property
    def tracks_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.tracks)

    def on_song(self, callback: Callable[[TurnResult], Any], remove: bool = False) -> None:
        """Call `callback(turn)` after each turn that made or changed the song (as ipywidgets' `on_click`)."""
        self._song_callbacks.register_callback(callback, remove=remove)

    def on_export(self, callback: Callable[[ExportResult], Any], remove: bool = False) -> None:
        """Call `callback(result)` after each full-quality export, with the MP4's path in `result.path`."""
        self._export_callbacks.register_callback(callback, remove=remove)

    def close(self) -> None:
        """Close the widget: its work stops, the session it opened is closed and its temporary files (previews,
        unfinished uploads) are removed. They are removed at interpreter exit too, if the studio is never closed."""
        if not self._loop.is_closed():
            for task in list(self._tasks):
                self._loop.call_soon_threadsafe(task.cancel)
            if self._owns_session and self.session is not None:
                asyncio.run_coroutine_threadsafe(self.session.close(), self._loop)
        if self.session is not None and _owners.get(str(self.session.session_id)) is self:
            del _owners[str(self.session.session_id)]
        for buffer in self._uploads.values():
            buffer.discard()
        self._uploads.clear()
        self._remove_previews()
        super().close()

    # messages from the browser -----------------------------------------------------------------------------

    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        kind = content.get("type")
        if kind == "ready":
            if self._video is not None:
                self.send({"type": "video", "name": self._video[0]}, [self._video[1]])
            self._start(self._connect())
        elif kind == "generate":
            if self._generating:  # clicks queued while the kernel was busy, or a double click: one song, one charge
                self._say("notice", "A song is already being made: that click was ignored.")
                self.send({"type": "generate_done"})
                return
            self._generating = True
            self._start(self._generate_once())
        elif kind == "refine":
            self._start(self.refine(str(content.get("text", ""))))
        elif kind == "export":
            self._start(self.export())
        elif kind == "upload_chunk":
            self._receive_chunk(content, buffers)
        elif kind == "dismiss_error":
            self.error = {}

    def _start(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` as a task on the kernel's loop, whatever thread delivered the message."""
        def create() -> None:
            task = self._loop.create_task(self._guard(work))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._loop.call_soon_threadsafe(create)

    async def _guard(self, work: Coroutine[Any, Any, Any]) -> None:
        try:
            await work
        except NoCredits as error:
            self._fail(str(error), "Register", error.register_url)
        except (NemoError, ValueError) as error:
            self._fail(str(error))
        except Exception as error:  # a task has no caller to raise to: show it
            _LOG.exception("studio task failed")
            self._fail(f"Something went wrong: {error}")

    def _fail(self, message: str, label: str | None = None, url: str | None = None) -> None:
        if self.transcript and self.transcript[-1]["role"] == "user":  # every "You" turn gets its answer
            self._say("assistant", message)
        self.error = {"message": message, "action_label": label, "action_url": url} if url else {"message": message}
        self.busy = False
        self.percent = -1.0
        self.status = "Stopped."

    # the work ----------------------------------------------------------------------------------------------

    async def _connect(self) -> AsyncSession:
        if self.session is None:
            self.status = "Connecting..."
            async with _opening_lock():  # one studio at a time: the first fetches the token, the others reuse it
                if self.session is None:
                    kernel_session = current_session_id()
                    owner = _owners.get(kernel_session) if kernel_session else None
                    shared = kernel_session if owner is None or owner is self else None
                    self.session = await AsyncSession.open(session_id=shared, on_update=self._show)
                    _owners[str(self.session.session_id)] = self
        if not self._connected:
            self._connected = True
            self.session.on_update = self._show
            await self._refresh()
            _owners.setdefault(str(self.session.session_id), self)
            if current_session_id() in (None, self.session.session_id):  # a studio of its own leaves the magics be
                remember_session(self.session.session_id)
            self.backend = describe_backend(self.session.client)
            self.status = "Ready."
        return self.session

    async def _generate_once(self) -> None:
        try:
            await self.generate()
        finally:
            self._generating = False
            self.send({"type": "generate_done"})

    async def generate(self) -> None:
        """Make a song from the lyrics and style in the boxes, then render a preview video."""
        if not self.lyrics.strip():
            raise ValueError("Type or paste lyrics first (or drop a .txt file with them).")
        async with self._busy():
            session = await self._connect()
            await self._read_credits(session)  # another studio may have spent some
            if self.credits_short:
                raise NoCredits(self.credits_short)
            first = next(line for line in self.lyrics.splitlines() if line.strip())
            self._say("user", f"{self.prompt or DEFAULT_PROMPT} ({self.voice} voice, {self.aspect}): {first.strip()}...")
            turn = await session.generate(self.lyrics, self.prompt or DEFAULT_PROMPT, voice=self.voice,
                                          aspect=self.aspect, seed=self.seed)
            await self._after_turn()
            self._song_callbacks(turn)

    async def refine(self, text: str) -> None:
        """A chat turn on the current song ("slower", "make it 9:16"); words like export or credits are routed."""
        if not text.strip():
            return
        async with self._busy():
            session = await self._connect()
            self._say("user", text)
            reply = await session.say(text)
            if reply.turn is None:
                self._say("assistant", reply.text)
            await self._after_turn(render=reply.turn is not None and bool(reply.turn.tools))
            if reply.turn is not None and reply.turn.tools:
                self._song_callbacks(reply.turn)

    async def export(self) -> Path:
        """Render at full quality into `export_dir`, and hand the file to the browser as a download."""
        async with self._busy():
            session = await self._connect()
            name = self._video_name()
            result = await session.export(self.export_dir / name, quality="high")
            self.send({"type": "download", "name": name}, [result.path.read_bytes()])
            self._say("notice", f"Exported to {result.path}")
            await self._refresh()
            self._export_callbacks(result)
            return result.path

    async def _after_turn(self, render: bool = True) -> None:
        session = await self._connect()
        await self._refresh()
        self._show_choices(session)
        if render and has_segments(session.state.get("draft")):
            self.status = "Rendering the preview..."
            result = await session.export(self._preview_dir / "preview.mp4", quality="draft")
            name = self._video_name()
            self._video = (name, result.path.read_bytes())
            self.video_path = result.path
            self.send({"type": "video", "name": name}, [self._video[1]])
            self.has_song = True
        self.status = "Ready."

    def _video_name(self) -> str:
        """A file name from the title on screen (the title card's text), else the latest song's title."""
        media = self.session.media if self.session is not None else pd.DataFrame()
        card = next((row["text"] for row in self.tracks if row["name"] == "Title" and row["text"]), "")
        title = card or (str(media["title"].iloc[-1]) if len(media) else "")
        return (re.sub(r"[^\w]+", "_", title.lower()).strip("_")[:60] or "song") + ".mp4"

    async def _refresh(self) -> None:
        session = self.session
        assert session is not None
        await session.refresh()
        self.tracks = segments(session.state.get("draft"))
        await self._read_credits(session)
        self.has_song = bool(len(session.media))

    async def _read_credits(self, session: AsyncSession) -> None:
        """The balance, and what a new song costs when the backend publishes its prices (the cloud does not)."""
        credits = await session.credits()
        self.generate_cost = credits.prices.get("generate_song")
        self.credits = credits.available

    def _show_choices(self, session: AsyncSession) -> None:
        """The controls show what the session now holds: a chat turn ("make it 1:1", "male vocals") moves them."""
        aspect = (session.state.get("canvas_config") or {}).get("aspect")
        if aspect in ASPECTS:
            self.aspect = aspect
        media = session.media
        voice = media["voice"].iloc[-1] if len(media) else None
        if voice in VOICES:
            self.voice = voice

    @t.observe("credits", "generate_cost")
    def _check_credits(self, _change: Any = None) -> None:
        """Say before any click when the balance is below a new song's price, and what to do about it."""
        cost, have, session = self.generate_cost, self.credits, getattr(self, "session", None)  # None while built
        if cost is None or have is None or have >= cost or session is None:
            self.credits_short = ""
            return
        self.credits_short = no_credits_message(session.client.anonymous, None, session.client.kind, cost, int(have))

    def _busy(self) -> _Busy:
        return _Busy(self)

    # updates -----------------------------------------------------------------------------------------------

    def _show(self, update: Update) -> None:
        if update.kind is UpdateKind.PROGRESS and update.percent is not None:
            self.stage, self.percent = update.text, float(update.percent)
        elif update.kind in STATUS_LINE:
            self.status = update.text
        elif update.kind is UpdateKind.REPLY:
            self._say("assistant", update.text)
        elif update.kind in (UpdateKind.SUMMARY, UpdateKind.NOTICE):
            self._say(update.kind.value, update.text)

    def _say(self, role: str, text: str) -> None:
        if text.strip():
            self.transcript = [*self.transcript, {"role": role, "text": text.strip()}]

    # uploads -----------------------------------------------------------------------------------------------

    def _receive_chunk(self, content: dict[str, Any], buffers: list[Any]) -> None:
        """Store one chunk and acknowledge it: `ok` false (with the reason) tells the browser to send no more."""
        upload_id = str(content.get("id"))
        try:
            buffer = self._uploads.get(upload_id)
            if buffer is None:
                buffer = self._uploads[upload_id] = UploadBuffer(str(content.get("name", "upload")),
                                                                 int(content.get("size", 0)))
            buffer.add(int(content.get("offset", 0)), bytes(buffers[0]) if buffers else b"")
        except UploadError as error:
            dropped = self._uploads.pop(upload_id, None)
            if dropped is not None:
                dropped.discard()
            self.send({"type": "upload_ack", "id": upload_id, "ok": False, "error": str(error)})
            self._fail(str(error))
            return
        self.send({"type": "upload_ack", "id": upload_id, "ok": True})
        if buffer.complete:
            self._start(self._upload(self._uploads.pop(upload_id)))

    async def _upload(self, buffer: UploadBuffer) -> None:
        try:
            if buffer.path.suffix.lower() in LYRICS_SUFFIXES:
                self.lyrics = buffer.path.read_text(encoding="utf-8", errors="replace")
                self.send({"type": "upload_done", "text": f"{buffer.path.name}: lyrics loaded."})
                return
            async with self._busy():
                session = await self._connect()
                table = await session.upload([buffer.path])
                row = table.iloc[-1]
                self._say("notice", f"Uploaded {row['filename']} ({row['file_type']}). Say \"use my video as the "
                          "background\" or \"use my song as BGM\".")
                self.send({"type": "upload_done", "text": f"{buffer.path.name}: uploaded."})
                await self._refresh()
        finally:
            buffer.discard()


class _Busy:
    """Serialises the studio's work and shows it as busy while it runs."""

    def __init__(self, studio: SongStudio) -> None:
        self.studio = studio

    async def __aenter__(self) -> None:
        await self.studio._work.acquire()
        self.studio.busy = True
        self.studio.error = {}

    async def __aexit__(self, *exc: object) -> None:
        self.studio.busy = False
        self.studio.percent = -1.0
        self.studio._work.release()
