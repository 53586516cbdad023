"""The SongStudio anywidget: the whole song workflow in one notebook cell."""

from nemo_widgets.widget.studio import SongStudio

__all__ = ["SongStudio"]
