"""The renderer: a draft timeline (`nemo_widgets.protocol.draft`) to a 1080p MP4 with ffmpeg (waveform, karaoke
lyrics, titles).

It reads the engine's song folder format (docs/timing-format.md) but imports nothing of the
engine, the backend or the client.
"""

from nemo_widgets.render.ffmpeg import RenderCancelled, RenderError
from nemo_widgets.render.render import RenderResult, render_draft
from nemo_widgets.render.song_draft import song_draft

__all__ = ["RenderCancelled", "RenderError", "RenderResult", "render_draft", "song_draft"]
