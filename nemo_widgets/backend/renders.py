"""Export: render jobs queued on a bounded worker pool, their status, cancellation and the files.

A draft may only name media inside its owner's own folder, so nobody can render another
user's files, or the server's, into a video.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from nemo_widgets.backend.errors import ApiError
from nemo_widgets.backend.store import RenderJob, Store, User
from nemo_widgets.render import DraftError, RenderCancelled, parse_draft, render_draft
from nemo_widgets.render.presets import FRAMES

PROGRESS_STEP = 0.02  # write progress to the database at most every 2 %


class Renders:
    def __init__(self, store: Store, media_dir: Path, executor: Executor) -> None:
        self._store = store
        self._media_dir = media_dir
        self._executor = executor
        self._cancels: dict[tuple[str, str], threading.Event] = {}

    def user_dir(self, user: User) -> Path:
        return self._media_dir / user.id

    def submit(self, user: User, render_id: str, session_id: str, draft_data: Any, state: dict[str, Any],
               output: dict[str, Any], now: float) -> RenderJob:
        try:
            draft = parse_draft(draft_data)
        except DraftError as error:
            raise ApiError(400, str(error), 400) from None
        self._check_paths(user, draft_data)
        aspect = str(output.get("aspect") or state.get("canvas_config", {}).get("aspect") or "16:9")
        if aspect not in FRAMES:
            raise ApiError(400, f"Unknown aspect ratio {aspect!r}: use 16:9, 9:16 or 1:1.", 400)
        quality = {"high": "standard", "draft": "draft", "best": "high"}.get(str(output.get("quality", "high")), "standard")
        if not self._store.add_render(user, render_id, session_id, now):
            raise ApiError(409, f"A render with id {render_id} already exists: use a new id.", 409)
        cancel = threading.Event()
        self._cancels[(user.id, render_id)] = cancel
        target = self.user_dir(user) / "renders" / f"{render_id}.mp4"
        self._executor.submit(self._run, user, render_id, draft, target, aspect, quality, cancel)
        return self._store.render(user, render_id)

    def cancel(self, user: User, render_id: str) -> None:
        event = self._cancels.get((user.id, render_id))
        if event is not None:
            event.set()
        job = self._store.render(user, render_id)
        if job is not None and job.status == "pending":
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
        if job is None or job.status != "pending" or cancel.is_set():
            return
        self._store.update_render(user, render_id, status="processing", progress=0.0)
        written = [0.0]

        def progress(fraction: float) -> None:
            if fraction - written[0] >= PROGRESS_STEP:
                written[0] = fraction
                self._store.update_render(user, render_id, progress=round(min(fraction, 0.99), 3))

        try:
            result = render_draft(draft, target, aspect=aspect, quality=quality, progress=progress, cancel=cancel)
        except RenderCancelled:
            self._store.update_render(user, render_id, status="failed", error="Cancelled.")
        except Exception as error:  # a worker thread: the reason goes to the job, never lost
            self._store.update_render(user, render_id, status="failed", error=f"The render failed: {error}")
        else:
            self._store.update_render(user, render_id, status="completed", progress=1.0, output=str(result.path),
                                      duration=result.duration, size=result.path.stat().st_size)
        finally:
            self._cancels.pop((user.id, render_id), None)

    def _check_paths(self, user: User, draft_data: Any) -> None:
        """Every media path in the draft must lie inside the user's own folder."""
        home = self.user_dir(user).resolve()
        for t, track in enumerate(draft_data.get("t", []) if isinstance(draft_data, dict) else []):
            for s, segment in enumerate(track.get("sg", [])):
                for key in ("src", "timing"):
                    value = segment.get(key)
                    if value and not Path(value).resolve().is_relative_to(home):
                        raise ApiError(4001, f"Draft field t.{t}.sg.{s}.{key} names media that is not in this "
                                       "account: upload it first.", 400)


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
