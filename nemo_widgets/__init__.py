"""nemo_widgets: a notebook-native AI song studio.

`from nemo_widgets import SongStudio, Session, AsyncSession` is the public API; they are imported on first use,
so the backend's and the CLI's processes, which import this package too, do not load widgets or pandas.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("nemo_widgets")
except PackageNotFoundError:
    __version__ = "0.0.0+unknown"


_PUBLIC = {
    "SongStudio": "nemo_widgets.widget",
    "Session": "nemo_widgets.controller",
    "AsyncSession": "nemo_widgets.controller",
}
__all__ = ["AsyncSession", "Session", "SongStudio", "load_ipython_extension"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        from importlib import import_module

        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'nemo_widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


def load_ipython_extension(ipython) -> None:  # noqa: ANN001 - IPython's hook signature
    """`%load_ext nemo_widgets`: registers `%nemo` and `%%song` (loading twice is harmless)."""
    from nemo_widgets.magics import NemoMagics, song_cells_without_body

    ipython.register_magics(NemoMagics)
    if song_cells_without_body not in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.append(song_cells_without_body)
