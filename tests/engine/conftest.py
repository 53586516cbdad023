"""One song per distinct request for the whole test run: composing is the slow part of the engine's tests, so tests
that measure different properties of the same song share it instead of composing it again."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nemo_widgets.engine.pipeline import ComposedSong, compose_song

SongMaker = Callable[..., ComposedSong]


@pytest.fixture(scope="session")
def make_song(tmp_path_factory) -> SongMaker:
    """`make_song(lyrics, prompt, voice=..., seed=..., target_seconds=..., instrumental=...)`: the composed song,
    made once per distinct set of arguments in this test run (do not modify its files)."""
    made: dict[tuple, ComposedSong] = {}

    def make(lyrics: str, prompt: str, **options) -> ComposedSong:
        key = (lyrics, prompt, tuple(sorted(options.items())))
        if key not in made:
            folder = tmp_path_factory.mktemp("song") / "song"
            made[key] = compose_song(lyrics, prompt, folder, **options)
        return made[key]

    return make
