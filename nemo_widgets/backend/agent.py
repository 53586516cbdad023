"""The agent behind `POST /run_sse`: a chat message becomes tool calls that edit the session.

`prepare` runs before the stream opens, so a missing session (1002), a turn already running
in the session (409) or missing credits (2001) are plain HTTP errors; it journals the turn
and takes its credits in one transaction. `stream` starts the turn as a task of its own and
relays its ADK events: an acknowledgement, a `functionCall` and `functionResponse` per tool,
progress in `actions.stateDelta` while a song is made (also every HEARTBEAT seconds while
nothing else happens), the final reply. A client that hangs up does not stop the turn: its
results still reach the session's state, except a song still waiting for a worker, which is
taken off the queue and refunded. Each tool's change is applied to the state as it is then,
so an upload made meanwhile is kept. Turns left open by a backend that died are refunded
(their song folders removed) when the next backend starts. Songs are made on a bounded
worker pool, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nemo_widgets.backend import prices
from nemo_widgets.backend.errors import NO_CREDITS, ApiError, session_not_found
from nemo_widgets.backend.events import error_event, event
from nemo_widgets.backend.gateway.prompt_hints import read_hints
from nemo_widgets.backend.intents import TooManyChanges, ToolCall, answer_without_tools, overruled, understand
from nemo_widgets.backend.store import Store, TurnRefusal, User
from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.request import read_request
from nemo_widgets.protocol.draft import BGM_VOLUME, Draft, DraftEditError
from nemo_widgets.protocol.names import MAX_TOOL_CALLS
from nemo_widgets.protocol.options import SongOptions
from nemo_widgets.render.presets import FRAMES
from nemo_widgets.render.song_draft import song_draft

_LOG = logging.getLogger(__name__)
_LOG.addHandler(logging.NullHandler())
HEARTBEAT = 10.0  # seconds of silence before a progress event repeats itself
TURN_RUNNING = "A turn is already running in this session: wait for it to finish."

Emit = Callable[[dict[str, Any] | None], None]  # None: the turn has no more events


@dataclass
class Turn:
    user: User
    session_id: str
    state: dict[str, Any]  # the session's state as last read or written by this turn
    calls: list[ToolCall]
    cost: int
    invocation_id: str = field(default_factory=lambda: f"inv_{uuid.uuid4().hex[:12]}")
    song_id: str = field(default_factory=lambda: f"song_{secrets.token_hex(6)}")  # the folder a generate_song writes
    song_job: Future[Any] | None = None
    client_gone: bool = False
    answer: str = ""  # the reply of a turn without tools
    overruled: list[str] = field(default_factory=list)  # what the words asked for that explicit options overrode


class SongCancelled(Exception):
    """The client hung up while the turn's song was still waiting for a worker."""


class Agent:
    def __init__(self, store: Store, media_dir: Path, executor: Executor) -> None:
        self._store = store
        self._media_dir = media_dir
        self._executor = executor
        self._waiting: list[str] = []  # invocations whose song has not started yet, oldest first
        self._running: set[asyncio.Task[None]] = set()  # turns in flight, kept alive when their client leaves
        self._recover()

    def _recover(self) -> None:
        """Refund the turns that dead backends left open, and remove the song folders they were writing."""
        for turn in self._store.orphaned_turns():
            if self._store.refund_turn(turn.invocation_id) and turn.song_id:
                session = self._media_dir / turn.user_id / turn.session_id
                for folder in (session / turn.song_id, *session.glob(f".{turn.song_id}.*")):
                    shutil.rmtree(folder, ignore_errors=True)
                _LOG.warning("refunded turn %s, left open by a backend that stopped", turn.invocation_id)

    def prepare(self, user: User, session_id: str, message: str, options: SongOptions = SongOptions()) -> Turn:
        message, options = read_hints(message, options)
        state = self._store.session_state(user, session_id)
        if state is None:
            raise session_not_found(session_id)
        songs = [m for m in state["generated_media"] if m.get("kind") == "song"]
        try:
            calls = understand(message, has_song=bool(songs), options=options)
        except TooManyChanges as error:
            raise ApiError(400, str(error), 400, {"max_tool_calls": MAX_TOOL_CALLS}) from None
        for call in calls:
            _check_song_request(call)
        turn = Turn(user, session_id, state, calls, sum(self._price(call) for call in calls),
                    overruled=overruled(message, options) if calls else [])
        if not calls:
            turn.answer = answer_without_tools(message, has_song=bool(songs))
            return turn
        song_id = turn.song_id if any(call.name == "generate_song" for call in calls) else None
        refusal = self._store.begin_turn(user, session_id, turn.invocation_id, turn.cost, song_id, time.time())
        if refusal is TurnRefusal.BUSY:
            raise ApiError(409, TURN_RUNNING, 409, {"session_id": session_id})
        if refusal is TurnRefusal.NO_CREDITS:
            available = self._store.credits(user).available
            raise ApiError(NO_CREDITS, f"Not enough credits: this needs {turn.cost} and you have {available}.", 402,
                           {"bind_id": user.id, "needed": turn.cost, "available": available})
        return turn

    @staticmethod
    def _price(call: ToolCall) -> int:
        if call.name == "generate_song":
            return prices.GENERATE_SONG if "lyrics" in call.args else prices.NEW_VERSION
        return prices.DRAFT_EDIT

    def stream(self, turn: Turn) -> AsyncIterator[dict[str, Any]]:
        """Start the prepared turn now, on the running loop, and return its events; call it before the response
        starts, so the turn runs (and is settled) even when the client is gone before reading anything."""
        if not turn.calls:
            return _one(event(turn.invocation_id, text=turn.answer, turn_complete=True))
        events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        task = asyncio.get_running_loop().create_task(self._run(turn, events.put_nowait))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return self._relay(turn, events)

    async def _relay(self, turn: Turn, events: asyncio.Queue[dict[str, Any] | None]) -> AsyncIterator[dict[str, Any]]:
        finished = False
        try:
            while (item := await events.get()) is not None:
                yield item
            finished = True
        finally:
            if not finished:
                self._hang_up(turn)

    def _hang_up(self, turn: Turn) -> None:
        """The client left: the turn goes on, but a song not yet started is taken off the queue."""
        turn.client_gone = True
        if turn.song_job is not None:
            turn.song_job.cancel()  # only succeeds while the song waits for a worker

    async def _run(self, turn: Turn, emit: Emit) -> None:
        try:
            emit(event(turn.invocation_id, text="On it."))
            replies = []
            for call in turn.calls:
                call_id = f"call_{secrets.token_hex(6)}"
                emit(event(turn.invocation_id, function_call={"id": call_id, "name": call.name, "args": _shown_args(call)}))
                if call.name == "generate_song":
                    result: dict[str, Any] = {}
                    async for progress in self._generate(turn, call, result):
                        emit(event(turn.invocation_id, state_delta={"progress": progress}))
                else:
                    result = await self._edit(turn, call)
                emit(event(turn.invocation_id, function_response={"id": call_id, "name": call.name, "response": result},
                           state_delta={"draft": turn.state["draft"]}))
                replies.append(result["summary"])
            await asyncio.to_thread(self._store.commit_turn, turn.invocation_id)
            if turn.cost:
                left = (await asyncio.to_thread(self._store.credits, turn.user)).available
                replies.append(f"({turn.cost} credits; {left} left.)")
            if turn.overruled:
                replies.append(f"Note: {'; '.join(turn.overruled)}.")
            emit(event(turn.invocation_id, text=" ".join(replies), turn_complete=True))
        except SongCancelled:
            await asyncio.to_thread(self._store.refund_turn, turn.invocation_id)
        except EngineInputError as error:
            await asyncio.to_thread(self._store.refund_turn, turn.invocation_id)
            emit(error_event("EngineInputError", str(error)))
        except Exception as error:  # the stream is already open: report in ADK's error shape, then close
            _LOG.exception("turn %s failed", turn.invocation_id)
            refunded = await asyncio.to_thread(self._store.refund_turn, turn.invocation_id)
            emit(error_event(type(error).__name__, "The song could not be made; your credits were refunded." if refunded
                             else "The turn stopped early; what it made so far is in the session."))
        finally:
            emit(None)

    async def _generate(self, turn: Turn, call: ToolCall, result: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        seconds = call.args.get("duration")
        if "lyrics" in call.args:  # a new song: the explicit options, when sent, win over the prompt's words
            lyrics, prompt = call.args["lyrics"], call.args.get("prompt", "")
            seed, voice, instrumental = call.args.get("seed"), call.args.get("voice"), call.args.get("instrumental")
        else:
            last = [m for m in turn.state["generated_media"] if m.get("kind") == "song"][-1]
            lyrics, prompt = last["lyrics"], restyled_prompt(last, call.args.get("changes", {}))
            seed = last["seed"] + (1 if call.args.get("new_seed") else 0)
            voice = call.args.get("changes", {}).get("voice", last["voice"])
            instrumental = call.args.get("changes", {}).get("instrumental", last["instrumental"])
        media_id = turn.song_id
        folder = self._media_dir / turn.user.id / turn.session_id / media_id
        loop = asyncio.get_running_loop()
        updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def report(stage: str, fraction: float) -> None:
            loop.call_soon_threadsafe(updates.put_nowait, {"stage": stage, "percent": round(fraction * 100)})

        def make() -> Any:
            self._unqueue(turn)
            from nemo_widgets.engine.pipeline import compose_song  # loaded by the first song, not at start-up

            return compose_song(lyrics, prompt, folder, seed=seed, voice=voice, instrumental=instrumental,
                                target_seconds=seconds, progress=report)

        self._waiting.append(turn.invocation_id)
        turn.song_job = self._executor.submit(make)
        if turn.client_gone:
            self._hang_up(turn)
        job = asyncio.wrap_future(turn.song_job)
        try:
            await asyncio.sleep(0)
            last_progress: dict[str, Any] = self._queued(turn) or {"stage": "queued", "percent": 0}
            if "queue_position" in last_progress:
                yield last_progress
            while not job.done():
                update = asyncio.ensure_future(updates.get())
                await asyncio.wait({job, update}, timeout=HEARTBEAT, return_when=asyncio.FIRST_COMPLETED)
                if update.done():
                    last_progress = update.result()
                else:  # the song finished, or a heartbeat is due: the same progress again
                    update.cancel()
                    if job.done():
                        break
                    last_progress = self._queued(turn) or last_progress
                yield last_progress
        finally:
            self._unqueue(turn)  # a song taken off the queue never ran `make`
        if turn.song_job.cancelled():
            raise SongCancelled(turn.invocation_id)
        while not updates.empty():
            yield updates.get_nowait()
        song = job.result()
        media = {"id": media_id, "kind": "song",
                 "title": song.title, "duration": round(song.duration, 3), "genre": song.spec.genre, "mood": song.spec.mood,
                 "key": str(song.spec.key), "bpm": song.spec.bpm, "voice": song.spec.voice,
                 "instrumental": song.spec.instrumental, "seed": song.spec.seed, "lyrics": lyrics, "prompt": prompt}
        draft = await asyncio.to_thread(song_draft, folder, media_id)

        def add_song(state: dict[str, Any]) -> None:
            state["generated_media"].append(media)
            new = draft.model_copy(deep=True)
            new.carry_edits_from(Draft.model_validate(state["draft"]))
            state["draft"] = new.to_wire()

        turn.state, _ = await asyncio.to_thread(self._store.update_state, turn.user, turn.session_id, add_song)
        result.update({"status": "ok", "media_id": media_id, "duration": media["duration"],
                       "summary": f'Your song "{song.title}" is ready: {song.spec.genre}, {song.spec.key}, '
                                  f"{song.spec.bpm:g} bpm, {int(song.duration // 60)}:{int(song.duration % 60):02d}."})

    def _unqueue(self, turn: Turn) -> None:
        with contextlib.suppress(ValueError):
            self._waiting.remove(turn.invocation_id)

    def _queued(self, turn: Turn) -> dict[str, Any] | None:
        """The progress of a song still waiting for a worker, with its place in the queue; None once it runs."""
        if turn.invocation_id not in self._waiting:
            return None
        return {"stage": "queued", "percent": 0, "queue_position": self._waiting.index(turn.invocation_id) + 1}

    async def _edit(self, turn: Turn, call: ToolCall) -> dict[str, Any]:
        """One draft edit, applied to the session's state as it is now; a DraftEditError changes nothing."""
        try:
            turn.state, result = await asyncio.to_thread(self._store.update_state, turn.user, turn.session_id,
                                                         lambda state: _apply(EDITS[call.name], state, call.args))
        except DraftEditError as error:
            return {"status": "error", "summary": str(error)}
        return result


def _check_song_request(call: ToolCall) -> None:
    """A new song's lyrics and description are read as the worker will read them, before anything is charged or
    streamed: lyrics over the limits, or not in English, are a 400 naming the limit, not a failed turn."""
    if call.name != "generate_song" or "lyrics" not in call.args:
        return
    try:
        read_request(call.args["lyrics"], call.args.get("prompt", ""), voice=call.args.get("voice"),
                     seed=call.args.get("seed"), instrumental=call.args.get("instrumental"),
                     target_seconds=call.args.get("duration"))
    except EngineInputError as error:
        raise ApiError(400, str(error), 400) from None


async def _one(item: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield item


def restyled_prompt(last: dict[str, Any], changes: dict[str, Any]) -> str:
    """A description that reproduces the last song's style with the changes applied (numbers win in spec parsing)."""
    from nemo_widgets.engine.genres import PRESETS

    genre = changes.get("genre", last["genre"])
    mood = changes.get("mood", last.get("mood", "neutral"))
    bpm = changes.get("bpm") or round(last["bpm"] * changes.get("bpm_factor", 1.0))
    key = changes.get("key", last["key"])
    words = [f"{PRESETS[genre].aliases[0]} song", f"{bpm:g} bpm", f"in {key}"]
    if mood != "neutral":
        words.insert(0, mood)
    return ", ".join(words)


Edit = Callable[[dict[str, Any], Draft, dict[str, Any]], dict[str, Any]]  # (state, its draft, args) -> tool result


def _apply(edit: Edit, state: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """Run one edit on the state's draft as the typed model and write the draft back as the protocol's JSON."""
    draft = Draft.model_validate(state["draft"])
    result = edit(state, draft, args)
    state["draft"] = draft.to_wire()
    return result


def _latest_upload(state: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
    """The user's most recent upload of one of `kinds` in this session (its media id names it in the draft)."""
    found = [u for u in state["video_infos"] if u.get("file_type") in kinds]
    if not found:
        raise DraftEditError(f"Upload a{'n' if kinds[0][0] in 'aeiou' else ''} {' or '.join(kinds)} first, then ask again.")
    return found[-1]


def _set_volume(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    role = args["role"]
    if role == "music":
        role = "bgm" if draft.volume("bgm") is not None else "song"
    before = draft.volume(role)
    percent = args["percent"] if "percent" in args else round((before or 0.0) * 100 * args["factor"])
    draft.set_volume(role, percent)
    percent = round(draft.volume(role) * 100)  # as clamped
    name = "The BGM" if role == "bgm" else "The song"
    was = f" (it was {round(before * 100)}%)" if before is not None and "factor" in args else ""
    return {"status": "ok", "summary": f"{name} is now at {percent}%{was}."}


def _set_background(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    if not args["use_upload"]:
        draft.set_background(None)
        return {"status": "ok", "summary": "The background is the generated one again."}
    upload = _latest_upload(state, ("video", "image"))
    draft.set_background(upload["id"])
    return {"status": "ok", "summary": f"{upload['filename']} is now the background."}


def _add_bgm(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    upload = _latest_upload(state, ("audio",))
    draft.add_bgm(upload["id"], int((upload["duration"] or 0) * 1000))
    return {"status": "ok", "summary": f"{upload['filename']} plays as BGM at {round(BGM_VOLUME * 100)}%."}


def _set_fade(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    draft.set_fade(args["which"], int(args["seconds"] * 1000))
    return {"status": "ok", "summary": f"The audio fades {args['which']} over {args['seconds']:g} s."}


def _trim(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    draft.trim(int(args["seconds"] * 1000))
    return {"status": "ok", "summary": f"The video now ends at {args['seconds']:g} s."}


def _set_aspect(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    aspect = args["aspect"]
    frame = FRAMES[aspect]
    state["canvas_config"] = {"aspect": aspect, "width": frame.width, "height": frame.height}
    return {"status": "ok", "summary": f"The video is now {aspect} ({frame.width}x{frame.height})."}


def _set_title(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    draft.set_title(args["text"])
    if not args["text"]:
        return {"status": "ok", "summary": "The title is removed."}
    return {"status": "ok", "summary": f'The title is now "{args["text"]}".'}


def _set_lyrics_overlay(state: dict[str, Any], draft: Draft, args: dict[str, Any]) -> dict[str, Any]:
    songs = [m for m in state["generated_media"] if m.get("kind") == "song" and not m.get("instrumental")]
    draft.set_lyrics(songs[-1]["id"] if args["visible"] and songs else None)
    return {"status": "ok", "summary": "The lyrics are shown." if args["visible"] else "The lyrics are hidden."}


EDITS: dict[str, Edit] = {"set_aspect": _set_aspect, "set_title": _set_title, "set_lyrics_overlay": _set_lyrics_overlay,
                          "set_volume": _set_volume, "set_background": _set_background, "add_bgm": _add_bgm,
                          "set_fade": _set_fade, "trim": _trim}


def _shown_args(call: ToolCall) -> dict[str, Any]:
    """Tool arguments as shown in events: long lyrics summarised."""
    args = dict(call.args)
    if "lyrics" in args:
        args["lyrics"] = f"{len(args['lyrics'].splitlines())} lines"
    return args
