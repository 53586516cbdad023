"""nemo_widgets: a notebook-native AI song studio."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nemo_widgets")
except PackageNotFoundError:
    __version__ = "0.0.0+unknown"


def load_ipython_extension(ipython) -> None:  # noqa: ANN001 - IPython's hook signature
    """`%load_ext nemo_widgets`: registers `%nemo` and `%%song` (loading twice is harmless)."""
    from nemo_widgets.magics import NemoMagics

    ipython.register_magics(NemoMagics)
