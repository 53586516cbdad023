"""The fonts every render uses, from PyPI packages, so text looks the same on every machine.

Roboto (Apache-2.0) for Latin text and Noto Sans CJK (OFL) as the fallback for Chinese,
Japanese and Korean, gathered into one folder that libass reads with `fontsdir`.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

PRIMARY_FONT = "Roboto"
FALLBACK_FONT = "Noto Sans CJK JP"


@lru_cache(maxsize=1)
def fonts_dir() -> Path:
    """A folder holding links to the bundled font files (made once per process)."""
    files = [
        resources.files("font_roboto") / "files" / "Roboto-Bold.ttf",
        resources.files("font_roboto") / "files" / "Roboto-Regular.ttf",
        resources.files("noto_cjk_sans_jp_regular") / "NotoSansCJKjp-Regular.otf",
    ]
    folder = Path(tempfile.mkdtemp(prefix="nemo-fonts-"))
    for source in files:
        os.symlink(Path(str(source)), folder / source.name)
    return folder
