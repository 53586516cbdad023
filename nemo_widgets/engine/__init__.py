"""The song engine: lyrics and a description to a finished, mastered song, offline on a CPU.

It knows nothing of HTTP or Jupyter; the backend and the CLI call `compose_song`.
"""
