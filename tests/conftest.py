from pathlib import Path

import pytest

LYRICS_DIR = Path(__file__).resolve().parent.parent / "nemo_widgets" / "data" / "lyrics"


@pytest.fixture(scope="session")
def short_lyrics() -> str:
    """The bundled 4-line lyric `make demo` sings."""
    return (LYRICS_DIR / "summer.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def full_lyrics() -> str:
    """The bundled structured lyric: verses, pre-choruses, choruses and a bridge."""
    return (LYRICS_DIR / "city_lights.txt").read_text(encoding="utf-8")
