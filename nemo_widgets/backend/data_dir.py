"""Where the backend keeps its database and files unless told otherwise."""

from __future__ import annotations

import os
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
