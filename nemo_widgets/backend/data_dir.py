"""Where the backend keeps its database and files unless told otherwise; keeping that folder private and
clearing what a crash left in it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

APP_DIR = "nemo_widgets"


def default_data_dir() -> Path:
    """`NEMO_DATA_DIR`, else the platform's per-user data folder."""
    if os.environ.get("NEMO_DATA_DIR"):
        return Path(os.environ["NEMO_DATA_DIR"]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / APP_DIR
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_DIR


def make_private(folder: Path) -> None:
    """Create `folder` if needed and let only this user enter it (0700): the database and every user's media live
    below it."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def private_file(path: Path) -> None:
    """Create `path` if needed, readable and writable by this user only (0600)."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


def is_debris(name: str) -> bool:
    """What a crash leaves under the media folder: upload files still arriving (`incoming_*`) and hidden work files
    (song staging folders `.song_*`, ffmpeg partials `.<name>.partial.mp4`, render temp folders `.tmp-*`)."""
    return name.startswith(("incoming_", "."))


def remove_debris(media_dir: Path) -> int:
    """Delete the debris anywhere under `media_dir` (never following links); the number of entries removed.
    Only safe when no other live backend works in this data folder. An entry that cannot be removed is left: it must
    not keep the server from starting."""
    removed = 0
    for root, folders, files in os.walk(media_dir):
        for name in [n for n in (*files, *folders) if is_debris(n)]:
            path = Path(root, name)
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
            removed += 1
        folders[:] = [f for f in folders if not is_debris(f)]
    return removed
