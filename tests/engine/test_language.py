"""Lyrics the voices cannot sing are named and refused; English lyrics, even with foreign words, are not."""

import subprocess
import sys
from pathlib import Path

import pytest

from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.language import unsingable_language
from nemo_widgets.engine.lyrics import parse_lyrics
from tests.engine import samples

BUNDLED = sorted((Path(__file__).resolve().parents[2] / "nemo_widgets" / "data" / "lyrics").glob("*.txt"))
TRICKY_ENGLISH = [
    "Amor, amor, amor\nYou are my señorita tonight",
    "Viva la vida, I sing at the fiesta\nUno, dos, tres, we dance till siesta",
    "Je ne regrette rien, she said to me\nAnd walked away into the sea",
    "Ich bin ein Berliner, said the man on TV\nBut I was only dreaming of you and me",
    "Hasta la vista, baby, I'm gone\nAdios amigos, the party's on",
    "Que sera, sera\nWhatever will be, will be\nThe future's not ours to see",
    "Mamma mia, here I go again\nMy my, how can I resist you",
    "Mi amor, mi vida, mi todo\nYou're the only one I know",
    "El condor pasa\nI'd rather be a sparrow than a snail",
    "La la la la la\nDa da da dum\nOh oh oh oh",
    "Bella ciao, bella ciao\nWe sing it loud, we sing it now",
    "Sk8er boi, c u l8r\nOMG LOL BRB",
    "Go\nNo\nSo",
    "Yo, I'm on the grind, no time to rewind\nBallin' like Jordan, stay up on my mind\n"
    "Flexin' on the 'gram with the squad in the back\nDrippin' in the ice, yeah, we never look back",
    "I WILL ALWAYS LOVE YOU\nEVERY NIGHT AND EVERY DAY\nYOU'RE THE ONE THAT I NEED\nDON'T YOU EVER GO AWAY",
    "Well I reckon I'll be headin' down to Tennessee\nWhere the whiskey's cold and the hound dogs run free\n"
    "Mama's in the kitchen fryin' up some chicken\nDaddy's on the porch with his old guitar pickin'",
    "Supercalifragilistic expialidocious\nUm diddle diddle diddle um diddle ay\nBibbidi bobbidi boo\n"
    "Zip-a-dee-doo-dah zip-a-dee-ay",
]


@pytest.mark.parametrize(("text", "language"), [
    (samples.SPANISH, "Spanish"), (samples.SHORT_SPANISH, "Spanish"), (samples.FRENCH, "French"),
    (samples.GERMAN, "German"), (samples.ITALIAN, "Italian"), (samples.PORTUGUESE, "Portuguese"),
    (samples.DUTCH, "Dutch"), ("Dame tu amor, dame tu calor\nEsta noche quiero bailar contigo", "Spanish"),
    ("Die Gedanken sind frei\nWer kann sie erraten", "German"),
    ("Kocham cię bardzo mocno\nJesteś moim słońcem w nocy\nNie zostawiaj mnie samego\nBo bez ciebie nie ma nic",
     "Polish"),
    ("Anh yêu em nhiều lắm\nĐêm nay trăng sáng quá\nEm ơi đừng đi xa\nTrái tim anh chờ em", "Vietnamese"),
    ("Aku cinta kamu selamanya\nJangan pergi dari hidupku\nBulan bersinar di malam ini\nKita bernyanyi bersama",
     "a language other than English"),
    ("これは日本語の歌詞です\n二行目の歌詞です", "Japanese"), ("夏天的太阳\n照亮我们的路", "Chinese"),
    ("사랑해요\n오늘 밤에", "Korean"), ("Привет мир как дела\nМы танцуем до утра", "a Cyrillic-script language"),
])
def test_lyrics_in_another_language_are_refused_naming_it(text, language):
    with pytest.raises(EngineInputError) as error:
        parse_lyrics(text)
    assert str(error.value) == (f"These lyrics look like {language}; the voices can only sing English today: "
                                "write the lyrics in English.")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_the_bundled_lyrics_are_english(path):
    assert unsingable_language(path.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize("name", ["FOUR_LINES", "PLAIN_STANZAS", "REPEATED_STANZA", "TAGGED", "ENGLISH_WITH_SPANISH_WORDS",
                                  "ENGLISH_SLANG_AND_VOCABLES", "ENGLISH_NAMES_AND_PHRASES", "ENGLISH_SHORT_LINES"])
def test_english_samples_with_foreign_words_names_and_slang_are_sung(name):
    text = getattr(samples, name)
    assert unsingable_language(text) is None
    assert parse_lyrics(text).words


@pytest.mark.parametrize("text", TRICKY_ENGLISH)
def test_english_lines_with_a_few_foreign_words_are_not_refused(text):
    assert unsingable_language(text) is None


def test_an_english_song_with_one_spanish_line_is_sung():
    text = samples.TAGGED.replace("Just the open road and me", "Y yo te espero sin poder llorar")
    assert unsingable_language(text) is None


def test_reading_a_request_loads_no_audio_library_and_the_backend_starts_without_the_engine():
    """The refusal is instant because reading a request, and the backend that reads it, load only the text side of
    the engine: the voices, band and mix (onnxruntime, pedalboard, scipy) load with the first song."""
    heavy = ["nemo_widgets.engine.pipeline", "onnxruntime", "pedalboard", "scipy", "tinysoundfont"]
    probe = ("import sys; import nemo_widgets.backend.app; from nemo_widgets.engine.request import read_request; "
             f"read_request('Hola amigos', 'a pop song'); print([m for m in {heavy!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
