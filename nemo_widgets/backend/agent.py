"""The agent behind `POST /run_sse`: a chat message becomes tool calls that edit the session.

`prepare` runs before the stream opens, so a missing session (1002) or missing credits
(2001) are plain HTTP errors; `stream` then yields ADK events: an acknowledgement, a
`functionCall` and `functionResponse` per tool, progress in `actions.stateDelta` while a
song is made (also every HEARTBEAT seconds while nothing else happens), the final reply.
Songs are made on a bounded worker pool, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nemo_widgets.backend import prices
from nemo_widgets.backend.errors import NO_CREDITS, ApiError, session_not_found
from nemo_widgets.backend.events import error_event, event
from nemo_widgets.backend.intents import HELP, ToolCall, understand
from nemo_widgets.backend.store import Store, User
from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.pipeline import compose_song
from nemo_widgets.render.presets import FRAMES
from nemo_widgets.render.song_draft import TITLE_MS, song_draft

_LOG = logging.getLogger(__name__)
_LOG.addHandler(logging.NullHandler())
HEARTBEAT = 10.0  # seconds of silence before a progress event repeats itself


@dataclass
class Turn:
    user: User
    session_id: str
    state: dict[str, Any]
    calls: list[ToolCall]
    cost: int
    invocation_id: str = field(default_factory=lambda: f"inv_{uuid.uuid4().hex[:12]}")


class Agent:
    def __init__(self, store: Store, media_dir: Path, executor: Executor) -> None:
        self._store = store
        self._media_dir = media_dir
        self._executor = executor

    def prepare(self, user: User, session_id: str, message: str) -> Turn:
        state = self._store.session_state(user, session_id)
        if state is None:
            raise session_not_found(session_id)
        songs = [m for m in state["generated_media"] if m.get("kind") == "song"]
        calls = understand(message, has_song=bool(songs))
        cost = sum(self._price(call) for call in calls)
        if cost and not self._store.spend(user, cost):
            raise ApiError(NO_CREDITS, f"Not enough credits: this needs {cost}. Register to get more.", 402,
                           {"bind_id": user.id, "needed": cost})
        return Turn(user, session_id, state, calls, cost)

    @staticmethod
    def _price(call: ToolCall) -> int:
        if call.name == "generate_song":
            return prices.NEW_VERSION if call.args.get("new_seed") else prices.GENERATE_SONG
        return prices.DRAFT_EDIT

    async def stream(self, turn: Turn) -> AsyncIterator[dict[str, Any]]:
        if not turn.calls:
            yield event(turn.invocation_id, text=HELP, turn_complete=True)
            return
        yield event(turn.invocation_id, text="On it.")
        replies = []
        try:
            for call in turn.calls:
                call_id = f"call_{secrets.token_hex(6)}"
                yield event(turn.invocation_id, function_call={"id": call_id, "name": call.name, "args": _shown_args(call)})
                if call.name == "generate_song":
                    result: dict[str, Any] = {}
                    async for progress in self._generate(turn, call, result):
                        yield event(turn.invocation_id, state_delta={"progress": progress})
                else:
                    result = self._edit(turn, call)
                self._store.save_state(turn.user, turn.session_id, turn.state)
                yield event(turn.invocation_id, function_response={"id": call_id, "name": call.name, "response": result},
                            state_delta={"draft": turn.state["draft"]})
                replies.append(result["summary"])
        except EngineInputError as error:
            self._store.refund(turn.user, turn.cost)
            yield error_event("EngineInputError", str(error))
            return
        except Exception as error:  # the stream is already open: report in ADK's error shape, then close
            _LOG.exception("turn %s failed", turn.invocation_id)
            self._store.refund(turn.user, turn.cost)
            yield error_event(type(error).__name__, "The song could not be made; your credits were refunded.")
            return
        yield event(turn.invocation_id, text=" ".join(replies), turn_complete=True)

    async def _generate(self, turn: Turn, call: ToolCall, result: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        songs = [m for m in turn.state["generated_media"] if m.get("kind") == "song"]
        if call.args.get("new_seed"):
            last = songs[-1]
            lyrics, prompt, seed = last["lyrics"], last["prompt"], last["seed"] + 1
        else:
            lyrics, prompt, seed = call.args["lyrics"], call.args.get("prompt", ""), None
        media_id = f"song_{secrets.token_hex(6)}"
        folder = self._media_dir / turn.user.id / turn.session_id / media_id
        loop = asyncio.get_running_loop()
        updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def report(stage: str, fraction: float) -> None:
            loop.call_soon_threadsafe(updates.put_nowait, {"stage": stage, "percent": round(fraction * 100)})

        job = loop.run_in_executor(self._executor, lambda: compose_song(lyrics, prompt, folder, seed=seed, progress=report))
        last_progress = {"stage": "queued", "percent": 0}
        while not job.done() or not updates.empty():
            try:
                last_progress = await asyncio.wait_for(updates.get(), timeout=HEARTBEAT if not job.done() else 0.01)
            except TimeoutError:
                if job.done():
                    break
            yield last_progress
        song = await job
        media = {"id": media_id, "kind": "song", "path": str(folder / "song.wav"), "folder": str(folder),
                 "title": song.title, "duration": round(song.duration, 3), "genre": song.spec.genre,
                 "key": str(song.spec.key), "bpm": song.spec.bpm, "voice": song.spec.voice,
                 "instrumental": song.spec.instrumental, "seed": song.spec.seed, "lyrics": lyrics, "prompt": prompt}
        turn.state["generated_media"].append(media)
        turn.state["draft"] = song_draft(folder)
        result.update({"status": "ok", "media_id": media_id, "duration": media["duration"],
                       "summary": f'Your song "{song.title}" is ready: {song.spec.genre}, {song.spec.key}, '
                                  f"{song.spec.bpm:g} bpm, {int(song.duration // 60)}:{int(song.duration % 60):02d}."})

    def _edit(self, turn: Turn, call: ToolCall) -> dict[str, Any]:
        state = turn.state
        texts = _text_track(state["draft"])
        if call.name == "set_aspect":
            aspect = call.args["aspect"]
            frame = FRAMES[aspect]
            state["canvas_config"] = {"aspect": aspect, "width": frame.width, "height": frame.height}
            return {"status": "ok", "summary": f"The video is now {aspect} ({frame.width}x{frame.height})."}
        if call.name == "set_title":
            text = call.args["text"]
            texts["sg"] = [s for s in texts["sg"] if s["role"] != "title"]
            if not text:
                return {"status": "ok", "summary": "The title is removed."}
            texts["sg"].insert(0, {"st": 0, "d": min(TITLE_MS, _draft_length(state["draft"]) or TITLE_MS),
                                   "role": "title", "text": text})
            return {"status": "ok", "summary": f'The title is now "{text}".'}
        visible = call.args["visible"]
        texts["sg"] = [s for s in texts["sg"] if s["role"] != "lyrics"]
        songs = [m for m in state["generated_media"] if m.get("kind") == "song" and not m.get("instrumental")]
        if visible and songs:
            folder = Path(songs[-1]["folder"])
            texts["sg"].append({"st": 0, "d": _draft_length(state["draft"]), "role": "lyrics",
                                "timing": str(folder / "timing.json")})
        return {"status": "ok", "summary": "The lyrics are shown." if visible else "The lyrics are hidden."}


def _text_track(draft: dict[str, Any]) -> dict[str, Any]:
    track = next((t for t in draft["t"] if t.get("tt") == 7), None)
    if track is None:
        track = {"tt": 7, "n": "Text", "sg": []}
        draft["t"].append(track)
    return track


def _draft_length(draft: dict[str, Any]) -> int:
    return draft.get("d") or max((s["st"] + s["d"] for t in draft["t"] for s in t["sg"]), default=0)


def _shown_args(call: ToolCall) -> dict[str, Any]:
    """Tool arguments as shown in events: long lyrics summarised."""
    args = dict(call.args)
    if "lyrics" in args:
        args["lyrics"] = f"{len(args['lyrics'].splitlines())} lines"
    return args
