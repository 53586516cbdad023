"""IPython magics: `%load_ext nemo_widgets`, `%nemo`, `%%song`."""

from nemo_widgets.magics.nemo_magics import NemoMagics, SongResult, song_cells_without_body

__all__ = ["NemoMagics", "SongResult", "song_cells_without_body"]
