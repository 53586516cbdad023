"""nemo_widgets: a notebook-native AI song studio."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nemo_widgets")
except PackageNotFoundError:
    __version__ = "0.0.0+unknown"
