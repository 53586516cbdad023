"""Media ids in a draft turned into files inside the user's own folder, just before rendering.

Session state and API answers name media by id, never by server path: `up_<hex>` is an upload of
this user (`<media>/<user>/uploads/<id>.<ext>`), `song_<hex>` a song made in one of this user's
sessions (`<media>/<user>/<session>/<id>/song.wav` and `timing.json`). Anything else a draft names
(a path, another user's id, a missing id) is refused with one and the same text, so the API says
nothing about which files exist on the host.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Any

from nemo_widgets.backend.errors import UNSUPPORTED_FILE, ApiError
from nemo_widgets.protocol.names import UPLOAD_FORMATS
from nemo_widgets.protocol.draft import Draft

UPLOAD_ID = re.compile(r"up_[0-9a-f]{1,64}")
SONG_ID = re.compile(r"song_[0-9a-f]{1,64}")


def not_in_account(field: str) -> ApiError:
    return ApiError(UNSUPPORTED_FILE, f"Draft field {field} names media that is not in this account: upload it first, "
                                      "then name it by its id (up_... or song_...).", 400)


def resolve_media(draft: Draft, user_dir: Path) -> Draft:
    """A copy of `draft` whose `src` and `timing` fields are paths of this user's media; 4001 for anything else."""
    home = user_dir.resolve()
    resolved = draft.model_copy(deep=True)
    for t, track in enumerate(resolved.t):
        for s, segment in enumerate(track.sg):
            where = f"t.{t}.sg.{s}"
            if segment.src:
                segment.src = str(_media_file(segment.src, home, f"{where}.src"))
            if segment.timing:
                segment.timing = str(_song_file(segment.timing, home, "timing.json", f"{where}.timing"))
    return resolved


def ids_for_paths(state: dict[str, Any]) -> dict[str, Any]:
    """A session state saved by an older version, which named media by absolute server paths, with its media named
    by id as today (paths that name no media of ours are left for the render check to refuse)."""
    for media in state.get("generated_media", []):
        media.pop("path", None)
        media.pop("folder", None)
    for upload in state.get("video_infos", []):
        upload.pop("path", None)
    try:
        draft = Draft.model_validate(state.get("draft") or {})
    except ValueError:
        return state
    for segment in (s for track in draft.t for s in track.sg):
        if segment.src:
            segment.src = _id_for_path(segment.src)
        if segment.timing:
            segment.timing = _id_for_path(segment.timing)
    state["draft"] = draft.to_wire()
    return state


def _id_for_path(value: str) -> str:
    path = PurePath(value)
    if path.name in ("song.wav", "timing.json") and SONG_ID.fullmatch(path.parent.name):
        return path.parent.name
    if path.parent.name == "uploads" and UPLOAD_ID.fullmatch(path.stem):
        return path.stem
    return value


def find_upload(upload_id: str, user_dir: Path) -> Path | None:
    """The file of one of this user's uploads, or None for anything else (a path, a pattern, another user's id)."""
    if not UPLOAD_ID.fullmatch(upload_id):
        return None
    try:
        return _upload_file(upload_id, user_dir.resolve(), "upload")
    except ApiError:
        return None


def _media_file(media_id: str, home: Path, field: str) -> Path:
    if UPLOAD_ID.fullmatch(media_id):
        return _upload_file(media_id, home, field)
    return _song_file(media_id, home, "song.wav", field)


def _upload_file(upload_id: str, home: Path, field: str) -> Path:
    for extension in UPLOAD_FORMATS:
        path = home / "uploads" / f"{upload_id}.{extension}"
        if path.is_file():
            return _inside(path, home, field)
    raise not_in_account(field)


def _song_file(song_id: str, home: Path, name: str, field: str) -> Path:
    if SONG_ID.fullmatch(song_id):
        for session in sorted(home.iterdir()) if home.is_dir() else []:
            path = session / song_id / name
            if path.is_file():
                return _inside(path, home, field)
    raise not_in_account(field)


def _inside(path: Path, home: Path, field: str) -> Path:
    """The real file, which must still lie in the user's folder once links are followed."""
    real = path.resolve()
    if not real.is_relative_to(home):
        raise not_in_account(field)
    return real
