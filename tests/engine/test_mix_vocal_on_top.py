"""The lead vocal sits on top of the band: louder than the band where the words are, and a recogniser hears (almost)
as many words in the full mix as in the vocal stem alone. Rock, the densest band, with both voices, and one more."""

import pytest

from nemo_widgets.engine.pipeline import compose_song
from tests.engine.mix_check import measure_folder

pytestmark = pytest.mark.slow

LYRICS = """\
Summer rain is falling on the window
Every corner of the city starts to glow
Take my hand and walk into the morning
We can leave the heavy winter far below
"""
MIN_MARGIN_DB = 6.0  # vocal stem over the accompaniment in 1-4 kHz while the voice sings
MAX_WORDS_LOST = 0.10  # share of the stem's recognised words the mix may lose
# Not there yet on these lyrics (issue #11 item 1): the words lost as measured with the voice-keyed dynamic EQ and
# the voiced rock guitars (rock female 28 %, from 29 % before; rock male 24 % -> 0 % now meets the target). Lo-fi
# female: 50 % -> 0 % measured with the older female vocal, 19 % with the one that holds line-final vowels through
# (stem recall 52 %); why the band covers more of it is not yet known. A pair listed here may miss the target but not fall behind its
# figure by more than the recogniser's noise (WORSE_BY), so the test fails if the mix gets worse.
SHORT_OF_TARGET: dict[tuple[str, str], float] = {("rock", "female"): 0.28, ("lofi", "female"): 0.19}
WORSE_BY = 0.06


@pytest.fixture(scope="module", params=[("rock", "female"), ("rock", "male"), ("lofi", "female")], ids="-".join)
def measured(request, tmp_path_factory):
    genre, voice = request.param
    folder = tmp_path_factory.mktemp(f"{genre}-{voice}") / "song"
    compose_song(LYRICS, f"a {genre} song", folder, voice=voice, seed=3)
    return measure_folder(folder, genre, voice)


def test_the_voice_is_louder_than_the_band_where_the_words_are(measured):
    assert measured.vocal_band_margin_db >= MIN_MARGIN_DB


def test_the_mix_keeps_the_words_the_vocal_stem_has(measured):
    assert measured.stem_recall >= 0.3, "the stem itself should be intelligible"
    recorded = SHORT_OF_TARGET.get((measured.genre, measured.voice))
    if recorded is not None and MAX_WORDS_LOST < measured.words_lost <= recorded + WORSE_BY:
        pytest.xfail(f"the mix loses {measured.words_lost:.0%} of the stem's words (recorded {recorded:.0%}, "
                     f"target {MAX_WORDS_LOST:.0%})")
    assert measured.words_lost <= MAX_WORDS_LOST, (measured.mix_recall, measured.stem_recall)


def test_the_master_stays_at_streaming_loudness(measured):
    assert abs(measured.lufs + 14.0) <= 1.0
    assert measured.true_peak_db <= -1.0
