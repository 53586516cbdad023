"""IPython magics: `%load_ext nemo_widgets`, `%nemo`, `%%song`."""

from nemo_widgets.magics.nemo_magics import NemoMagics, SongResult

__all__ = ["NemoMagics", "SongResult"]
