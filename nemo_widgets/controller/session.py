"""`AsyncSession`: a user's song session. Words become the right protocol calls; the stream becomes updates.

The widget, the magics and the blocking `Session` all drive this one class. Every visible
change is reported through `on_update` as a typed `Update` (see `updates.py`), so front ends
only render them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nemo_widgets.client.api import Credits, NemoClient, RenderStatus
from nemo_widgets.client.config import Settings
from nemo_widgets.client.connection import open_client
from nemo_widgets.client.errors import NemoError, RenderFailed, TurnFailed
from nemo_widgets.client.events import Heartbeat, Progress, StateDelta, StreamError, Text, ToolCall
from nemo_widgets.controller.render_log import RenderLog
from nemo_widgets.controller.routing import Action, route
from nemo_widgets.controller.tables import credits_frame, media_frame, tracks_frame, uploads_frame
from nemo_widgets.controller.timeline import describe_changes, summarize
from nemo_widgets.controller.translate import translate
from nemo_widgets.controller.updates import Update, UpdateKind
from nemo_widgets.protocol.draft import has_segments
from nemo_widgets.protocol.names import MAX_UPLOAD_MB, SUPPORTED_FORMATS, Aspect, Voice
from nemo_widgets.protocol.options import SongOptions

DEFAULT_PROMPT = "an upbeat pop song with vocals"
CLOUD_POLL = 30.0
LOCAL_POLL = 0.5
TOOL_NAMES = {"generate_song": "Making the song", "set_aspect": "Changing the aspect ratio", "set_title": "Setting the title",
              "set_lyrics_overlay": "Updating the lyrics overlay", "set_volume": "Setting the volume",
              "set_background": "Changing the background", "add_bgm": "Adding background music",
              "set_fade": "Adding a fade", "trim": "Trimming"}


@dataclass
class TurnResult:
    message: str
    replies: list[str]
    summary: str | None
    draft: dict[str, Any]
    tools: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.replies) if self.replies else (self.summary or "")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    render_id: str
    duration: float | None
    size: int | None


@dataclass(frozen=True)
class Reply:
    """What `say` did: the routed action, the text to show and, for table actions, a DataFrame."""

    action: Action
    text: str
    table: pd.DataFrame | None = None
    turn: TurnResult | None = None
    export: ExportResult | None = None


def sung_lines(lyrics: str, instrumental: bool = False) -> list[str]:
    """The lyric lines to send; ValueError when a song with vocals has none (checked before connecting)."""
    lines = [line for line in lyrics.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines and not instrumental:
        raise ValueError("There are no lyrics: type or paste at least one line.")
    return lines


class AsyncSession:
    still_working_every = 120.0

    def __init__(self, client: NemoClient, *, on_update: Callable[[Update], None] | None = None,
                 render_log: RenderLog | None = None, poll_interval: float | None = None) -> None:
        self.client = client
        self.on_update = on_update
        client.notify = lambda text: self._emit(Update(UpdateKind.NOTICE, text))
        self.state: dict[str, Any] = {}
        self.render_log = render_log or RenderLog(client.identity.folder / "renders.json", client.backend_key)
        self.poll_interval = poll_interval if poll_interval is not None else (
            CLOUD_POLL if client.kind == "cloud" else LOCAL_POLL)
        self._export_lock = asyncio.Lock()

    @classmethod
    async def open(cls, *, base_url: str | None = None, token: str | None = None, session_id: str | None = None,
                   on_update: Callable[[Update], None] | None = None, dialect: str | None = None) -> AsyncSession:
        """Connect (the embedded backend unless a URL or token is configured) and start or reuse a session;
        `dialect` ("bootstrap" or "gateway", else `NEMO_DIALECT`, else chosen by the backend) picks the protocol."""
        if on_update is not None:
            on_update(Update(UpdateKind.CONNECTING, "Connecting..."))
        session = cls(await open_client(Settings.from_env(base_url, token, dialect)), on_update=on_update)
        if session_id:
            session.client.use_session(session_id)
        await session.refresh()
        session._emit(Update(UpdateKind.READY, "Ready."))
        return session

    @property
    def session_id(self) -> str | None:
        return self.client.session_id

    def _emit(self, update: Update) -> None:
        if self.on_update is not None:
            self.on_update(update)

    def _byte_progress(self, label: str, stage: str) -> Callable[[int, int], None]:
        """A (bytes done, bytes in all) callback that reports a transfer as a progress update."""
        return lambda done, total: self._emit(Update(UpdateKind.PROGRESS, label, stage, round(100 * done / max(total, 1))))

    # making and editing ------------------------------------------------------------------------------------

    async def generate(self, lyrics: str, prompt: str = DEFAULT_PROMPT, *, voice: Voice | None = None,
                       aspect: Aspect | None = None, seed: int | None = None, title: str | None = None,
                       instrumental: bool = False, duration: float | None = None) -> TurnResult:
        """Make a song from `lyrics` styled by `prompt`.

        The options travel as data (they win over the prompt's words on backends that read them) and
        also as words in the message, for backends that only read text. Bad values raise OptionError."""
        lines = sung_lines(lyrics, instrumental)
        options = SongOptions(voice=voice, seed=seed, aspect=aspect, title=title or None,
                              instrumental=instrumental or None, duration=duration)
        words = [(prompt or DEFAULT_PROMPT).strip().rstrip(".:"), *options.words()]
        return await self.chat(", ".join(words) + (":\n" + "\n".join(lines) if lines else ""), options)

    async def chat(self, message: str, options: SongOptions | None = None) -> TurnResult:
        """One chat turn: stream it into updates, then read the state; a turn without text gets a timeline summary.

        Text before the agent's first tool is its acknowledgement (ACKNOWLEDGED), not a reply."""
        if not message.strip():
            raise ValueError("The message is empty: say what to make or change.")
        before = self.state.get("draft") if self.state else (await self.refresh()).get("draft")
        replies: list[str] = []
        partial: list[str] = []
        tools: list[str] = []
        held: list[str] = []  # text before the first tool: an acknowledgement if a tool follows, else the reply
        last_visible = time.monotonic()
        last_progress: tuple[str, float, int | None] | None = None
        self._emit(Update(UpdateKind.STATUS, "Sending..."))
        async for event in self.client.run_turn(message, options):
            now = time.monotonic()
            if isinstance(event, Text) and event.partial:
                partial.append(event.text)
                self._emit(Update(UpdateKind.PARTIAL, translate("".join(partial))))
                last_visible = now
            elif isinstance(event, Text) and not tools:
                partial.clear()
                held.append(translate(event.text))
            elif isinstance(event, Text):
                partial.clear()
                replies.append(translate(event.text))
                self._emit(Update(UpdateKind.REPLY, replies[-1]))
                last_visible = now
            elif isinstance(event, ToolCall):
                if held:
                    self._emit(Update(UpdateKind.ACKNOWLEDGED, " ".join(held)))
                    held.clear()
                tools.append(event.name)
                self._emit(Update(UpdateKind.STATUS,
                                  TOOL_NAMES.get(event.name, event.name.replace("_", " ").capitalize()) + "..."))
            elif isinstance(event, Progress):
                if last_progress != (event.stage, event.percent, event.queue_position):
                    last_progress = (event.stage, event.percent, event.queue_position)
                    label = (f"Waiting for a free worker (number {event.queue_position} in the queue)"
                             if event.queue_position else event.stage.capitalize())
                    self._emit(Update(UpdateKind.PROGRESS, label, event.stage, event.percent, event.queue_position))
                    last_visible = now
            elif isinstance(event, StateDelta) and isinstance(event.delta.get("draft"), dict):
                self.state["draft"] = event.delta["draft"]
            elif isinstance(event, StreamError):
                self._emit(Update(UpdateKind.ERROR, event.message))
                raise TurnFailed(event.message or f"The backend stopped with {event.kind}.")
            if isinstance(event, Heartbeat) and now - last_visible >= self.still_working_every:
                self._emit(Update(UpdateKind.STILL_WORKING, "Still working..."))
                last_visible = now
        for text in held:
            replies.append(text)
            self._emit(Update(UpdateKind.REPLY, text))
        if partial and not replies:
            replies.append(translate("".join(partial)))
            self._emit(Update(UpdateKind.REPLY, replies[-1]))
        state = await self.refresh()
        summary = None
        if not replies:
            summary = describe_changes(before, state.get("draft"))
            self._emit(Update(UpdateKind.SUMMARY, summary))
        self._emit(Update(UpdateKind.DONE, "Done."))
        return TurnResult(message, replies, summary, state.get("draft") or {}, tools)

    async def say(self, text: str, files: Sequence[Path | str] = ()) -> Reply:
        """Route the user's words as the protocol's table says: export, credits, status, upload or a chat turn."""
        action = route(text, has_files=bool(files))
        if action is Action.EXPORT:
            result = await self.export()
            return Reply(action, f"Exported to {result.path}", export=result)
        if action is Action.CREDITS:
            credits = await self.credits()
            return Reply(action, f"Credits: {credits.available:g} available.", table=credits_frame(credits))
        if action is Action.STATE:
            await self.refresh()
            return Reply(action, summarize(self.state.get("draft")), table=self.tracks)
        if action is Action.UPLOAD:
            if not files:
                return Reply(action, f"Choose files to upload ({SUPPORTED_FORMATS}; up to {MAX_UPLOAD_MB} MB each).")
            table = await self.upload(files)
            return Reply(action, f"Uploaded {len(table)} file(s).", table=table)
        turn = await self.chat(text)
        return Reply(action, turn.text, turn=turn)

    # state -------------------------------------------------------------------------------------------------

    async def refresh(self) -> dict[str, Any]:
        self.state = await self.client.state()
        return self.state

    @property
    def tracks(self) -> pd.DataFrame:
        return tracks_frame(self.state.get("draft"))

    @property
    def media(self) -> pd.DataFrame:
        return media_frame(self.state)

    @property
    def uploads(self) -> pd.DataFrame:
        return uploads_frame(self.state)

    @property
    def timeline(self) -> str:
        return summarize(self.state.get("draft"))

    async def credits(self) -> Credits:
        return await self.client.credits()

    async def upload(self, items: Sequence[Path | str]) -> pd.DataFrame:
        """Upload local files and/or http(s) links; returns the session's uploads."""
        urls = [str(i) for i in items if str(i).startswith(("http://", "https://"))]
        paths = [Path(i) for i in items if not str(i).startswith(("http://", "https://"))]
        if paths:
            await self.client.upload_files(paths, progress=self._byte_progress("Uploading", "uploading"))
        if urls:
            self._emit(Update(UpdateKind.STATUS, "Fetching the links..."))
            await self.client.upload_urls(urls)
        await self.refresh()
        return self.uploads

    # export ------------------------------------------------------------------------------------------------

    async def export(self, path: Path | str | None = None, *, quality: str = "high") -> ExportResult:
        """Render the current draft to an MP4 at `path` (default: ./nemo_exports/<render id>.mp4)."""
        async with self._export_lock:
            state = await self.refresh()
            draft = state.get("draft") or {}
            if not has_segments(draft):
                raise NemoError("There is nothing to export yet: make a song first.")
            self._emit(Update(UpdateKind.PROGRESS, "Starting the export", "exporting", 0))
            output = {"format": "mp4", "quality": quality}
            aspect = (state.get("canvas_config") or {}).get("aspect")
            if aspect:
                output["aspect"] = aspect
            status = await self.client.create_render(draft, output)
            target = Path(path) if path else Path("nemo_exports") / f"{status.id}.mp4"
            self.render_log.add(status.id, self.client.session_id or "", target.resolve())
            return await self._finish(status, target.resolve())

    async def _finish(self, status: RenderStatus, target: Path) -> ExportResult:
        try:
            while not status.finished:
                where = f" (number {status.queue_position} in the queue)" if status.queue_position else ""
                self._emit(Update(UpdateKind.PROGRESS, f"Exporting{where}", "exporting", round(status.progress * 100),
                                  status.queue_position))
                await asyncio.sleep(self.poll_interval)
                status = await self.client.render_status(status.id)
            if status.status != "completed":
                raise RenderFailed(f"The export failed: {status.error or status.status}.")
            path = await self.client.download(status, target, progress=self._byte_progress("Downloading", "downloading"))
        except RenderFailed:
            self.render_log.remove(status.id)
            raise
        except asyncio.CancelledError:
            with contextlib.suppress(NemoError):
                await asyncio.shield(self.client.cancel_render(status.id))
            self.render_log.remove(status.id)
            self._emit(Update(UpdateKind.STATUS, "Export cancelled."))
            raise
        self.render_log.remove(status.id)
        self._emit(Update(UpdateKind.DONE, f"Exported {path.name}."))
        return ExportResult(path, status.id, status.duration, status.size)

    async def resume(self) -> list[ExportResult]:
        """Finish exports started before a kernel restart: poll each remembered render and download it."""
        results = []
        for pending in self.render_log.pending(self.client.session_id):
            try:
                status = await self.client.render_status(pending.render_id)
            except NemoError as error:
                self._emit(Update(UpdateKind.NOTICE, f"Render {pending.render_id} cannot be resumed: {error}"))
                self.render_log.remove(pending.render_id)
                continue
            try:
                results.append(await self._finish(status, Path(pending.target)))
            except RenderFailed as error:
                self._emit(Update(UpdateKind.NOTICE, str(error)))
        return results

    async def close(self) -> None:
        await self.client.aclose()
