"""`nemo-song make` sends its options as data: they win over the prompt's words, and bad ones are refused clearly."""

import pytest

from nemo_widgets.cli import main
from tests.conftest import LYRICS_DIR


@pytest.mark.slow
def test_make_options_win_over_the_prompt(tmp_path, capsys):
    out = tmp_path / "song.mp4"
    status = main(["make", str(LYRICS_DIR / "summer.txt"), "--prompt", "a rock song with male vocals, seed 9",
                   "--voice", "female", "--seed", "4", "--quality", "draft", "-o", str(out), "-q"])
    assert status == 0
    summary = capsys.readouterr().out.strip().splitlines()[0]
    assert "female voice, seed 4" in summary


def test_make_refuses_a_length_out_of_range_naming_it(tmp_path, capsys):
    status = main(["make", "--instrumental", "--duration", "5", "-o", str(tmp_path / "beat.mp4"), "-q"])
    assert status == 2
    assert "`duration`" in capsys.readouterr().err and not (tmp_path / "beat.mp4").exists()
