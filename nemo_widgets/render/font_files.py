"""The fonts every render uses, so text looks the same on every machine.

Roboto (Apache-2.0) ships in this package (`render/fonts/`); Noto Sans CJK (OFL), the
fallback for Chinese, Japanese and Korean, comes from its PyPI package. Both are linked
into one folder that libass reads with `fontsdir`.
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
    bundled = Path(__file__).resolve().parent / "fonts"
    files = [
        bundled / "Roboto-Bold.ttf",
        bundled / "Roboto-Regular.ttf",
        Path(str(resources.files("noto_cjk_sans_jp_regular") / "NotoSansCJKjp-Regular.otf")),
    ]
    folder = Path(tempfile.mkdtemp(prefix="nemo-fonts-"))
    for source in files:
        os.symlink(source, folder / source.name)
    return folder
