"""Speech-to-singing voices. `load_singer` returns one loaded singer per voice and process."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from nemo_widgets.engine.model import Phrase, SungPhrase, VoiceName, Word


class Singer(Protocol):
    voice: VoiceName

    def sing(self, phrase: Phrase, words: Sequence[Word], seconds_per_beat: float) -> SungPhrase:
        """Sing one lyric line: every syllable on its note, placed in song time."""


@lru_cache(maxsize=2)
def load_singer(voice: VoiceName) -> Singer:
    if voice == "female":
        from nemo_widgets.engine.voices.hibari_singer import HibariSinger

        return HibariSinger()
    from nemo_widgets.engine.voices.piper_singer import PiperSinger

    return PiperSinger()
