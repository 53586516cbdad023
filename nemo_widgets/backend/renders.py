"""Export: render jobs queued on a bounded worker pool, their status, cancellation and the files.

A render id is a name, never a path: its MP4 lands in the user's own render folder. A draft,
whatever JSON shape it arrives in, is parsed first and may only name this user's media by id
(backend/media_refs.py), so nobody can render another user's files, or the server's, into a
video. Each user has at most MAX_ACTIVE_RENDERS renders queued or running, and each render is
stopped once it runs past its deadline.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from nemo_widgets.backend.errors import ApiError, rate_limited
from nemo_widgets.backend.media_refs import resolve_media
from nemo_widgets.backend.store import RenderJob, Store, User
from nemo_widgets.protocol.draft import Draft, DraftError, parse_draft
from nemo_widgets.protocol.names import ASPECTS, EXPORT_QUALITIES, ID_PATTERN, MAX_ACTIVE_RENDERS
from nemo_widgets.render import RenderCancelled, render_draft

PROGRESS_STEP = 0.02  # write progress to the database at most every 2 %
DEADLINE_MIN_SECONDS = 120.0  # a render may always run this long,
DEADLINE_PER_VIDEO_SECOND = 6.0  # or this many times the video's length, whichever is longer
RETRY_AFTER_SECONDS = 30  # what a caller over the render limit is told to wait


def checked_render_id(value: Any) -> str:
    """The render id from a request body: a plain name (letters, digits, - and _), never a path."""
    if not isinstance(value, str) or not re.fullmatch(ID_PATTERN, value):
        raise ApiError(400, "The render id must be 1 to 100 letters, digits, '-' or '_' (such as render_<unix ms>); "
                            "it is a name, not a path.", 400)
    return value


def render_deadline(draft: Draft) -> float:
    """Seconds a render of `draft` may take before it is stopped."""
    return max(DEADLINE_MIN_SECONDS, DEADLINE_PER_VIDEO_SECOND * draft.duration_ms / 1000)


class Renders:
    def __init__(self, store: Store, media_dir: Path, executor: Executor) -> None:
        self._store = store
        self._media_dir = media_dir
        self._executor = executor
        self._cancels: dict[tuple[str, str], threading.Event] = {}  # the jobs queued or running in this process
        self._admit = threading.Lock()

    def user_dir(self, user: User) -> Path:
        return self._media_dir / user.id

    def submit(self, user: User, render_id: str, session_id: str, draft_data: Any, state: dict[str, Any],
               output: dict[str, Any], now: float) -> RenderJob:
        """Queue a render; `render_id` has passed `checked_render_id`."""
        target = self._target(user, render_id)
        try:
            draft = parse_draft(draft_data)
        except DraftError as error:
            raise ApiError(400, str(error), 400) from None
        draft = resolve_media(draft, self.user_dir(user))
        aspect = str(output.get("aspect") or state.get("canvas_config", {}).get("aspect") or "16:9")
        if aspect not in ASPECTS:
            raise ApiError(400, f"Unknown aspect ratio {aspect!r}: use {', '.join(ASPECTS)}.", 400)
        asked = str(output.get("quality") or "high")
        if asked not in EXPORT_QUALITIES:
            raise ApiError(400, f"Unknown quality {asked!r}: use {', '.join(EXPORT_QUALITIES)}.", 400)
        cancel = threading.Event()
        with self._admit:
            if sum(owner == user.id for owner, _ in list(self._cancels)) >= MAX_ACTIVE_RENDERS:  # a copy: workers pop
                raise rate_limited(f"You already have {MAX_ACTIVE_RENDERS} renders queued or running: wait for one "
                                   "to finish (or cancel one), then export again.", RETRY_AFTER_SECONDS)
            if not self._store.add_render(user, render_id, session_id, now):
                raise ApiError(409, f"A render with id {render_id} already exists: use a new id.", 409)
            self._cancels[(user.id, render_id)] = cancel
        self._executor.submit(self._run, user, render_id, draft, target, aspect, EXPORT_QUALITIES[asked], cancel)
        return self._store.render(user, render_id)

    def cancel(self, user: User, render_id: str) -> None:
        event = self._cancels.get((user.id, render_id))
        if event is not None:
            event.set()
        job = self._store.render(user, render_id)
        if job is not None and job.status == "pending":
            self._cancels.pop((user.id, render_id), None)
            self._store.update_render(user, render_id, status="failed", error="Cancelled.")

    def close(self) -> None:
        """Stop every job without waiting: running renders see their cancel event (ffmpeg stops), queued ones never
        start (the store fails them when it closes)."""
        for event in list(self._cancels.values()):
            event.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, user: User, render_id: str, draft, target: Path, aspect: str, quality: str,
             cancel: threading.Event) -> None:
        job = self._store.render(user, render_id)
        try:
            if job is None or job.status != "pending" or cancel.is_set():
                return
            self._store.update_render(user, render_id, status="processing", progress=0.0)
            self._render(user, render_id, draft, target, aspect, quality, cancel)
        finally:
            self._cancels.pop((user.id, render_id), None)

    def _render(self, user: User, render_id: str, draft: Draft, target: Path, aspect: str, quality: str,
                cancel: threading.Event) -> None:
        written = [0.0]

        def progress(fraction: float) -> None:
            if fraction - written[0] >= PROGRESS_STEP:
                written[0] = fraction
                self._store.update_render(user, render_id, progress=round(min(fraction, 0.99), 3))

        try:
            result = render_draft(draft, target, aspect=aspect, quality=quality, progress=progress, cancel=cancel,
                                  deadline=render_deadline(draft))
        except RenderCancelled:
            self._store.update_render(user, render_id, status="failed", error="Cancelled.")
        except Exception as error:  # a worker thread: the reason goes to the job, never lost
            reason = _without_paths(str(error), self.user_dir(user))
            self._store.update_render(user, render_id, status="failed", error=f"The render failed: {reason}")
        else:
            self._store.update_render(user, render_id, status="completed", progress=1.0, output=str(result.path),
                                      duration=result.duration, size=result.path.stat().st_size)

    def _target(self, user: User, render_id: str) -> Path:
        """The MP4 of a render, which must resolve to a file directly in the user's render folder."""
        folder = (self.user_dir(user) / "renders").resolve()
        target = (folder / f"{render_id}.mp4").resolve()
        if target.parent != folder:
            raise ApiError(400, "The render id must name a file in your own render folder.", 400)
        return target


def _without_paths(text: str, home: Path) -> str:
    """An error text for the client: the server's folders removed from the paths ffmpeg printed."""
    for folder in {str(home.resolve()), str(home)}:
        text = text.replace(folder + "/", "")
    return text


def job_payload(job: RenderJob, base_url: str, position: int) -> dict[str, Any]:
    """A job in the protocol's first status shape: `status` and `output.url`."""
    payload: dict[str, Any] = {"id": job.id, "render_id": job.id, "status": job.status, "progress": round(job.progress, 3),
                               "created": int(job.created * 1000)}
    if job.status == "pending":
        payload["queue_position"] = position
    if job.status == "completed":
        payload["output"] = {"url": f"{base_url}/api/render/proxy/{job.id}/download", "duration": job.duration,
                             "size": job.size}
    if job.error:
        payload["error"] = job.error
    return payload
