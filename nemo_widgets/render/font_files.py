"""The fonts every render uses, so text looks the same on every machine.

Roboto (Apache-2.0) ships in this package (`render/fonts/`); Noto Sans CJK (OFL), the
fallback for Chinese, Japanese and Korean, comes from its PyPI package. Both are linked
into one folder that libass reads with `fontsdir`; each render links them into its own
temporary folder, so nothing outlives the render.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PRIMARY_FONT = "Roboto"
FALLBACK_FONT = "Noto Sans CJK JP"


def font_files() -> list[Path]:
    bundled = Path(__file__).resolve().parent / "fonts"
    return [
        bundled / "Roboto-Bold.ttf",
        bundled / "Roboto-Regular.ttf",
        Path(str(resources.files("noto_cjk_sans_jp_regular") / "NotoSansCJKjp-Regular.otf")),
    ]


def link_fonts(folder: Path) -> Path:
    """Create `folder` holding links to the bundled font files."""
    folder.mkdir()
    for source in font_files():
        os.symlink(source, folder / source.name)
    return folder
