"""`nemo-song make`: the bundled lyric to a finished MP4 in one command."""

import json

import av
import pytest

from nemo_widgets.cli import main
from tests.conftest import LYRICS_DIR

pytestmark = pytest.mark.slow


def test_make_writes_a_playable_song_video(tmp_path, capsys):
    out = tmp_path / "song.mp4"
    keep = tmp_path / "song"
    status = main(["make", str(LYRICS_DIR / "summer.txt"), "--prompt", "an upbeat pop song with vocals",
                   "--aspect", "9:16", "--seed", "3", "--keep", str(keep), "-o", str(out), "-q"])
    assert status == 0
    printed = capsys.readouterr().out
    assert printed.strip().splitlines()[-1] == str(out)
    timing = json.loads((keep / "timing.json").read_text())
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (1080, 1920)
        assert abs(float(container.duration) / av.time_base - timing["duration"]) <= 0.1


def test_make_an_instrumental_without_lyrics(tmp_path, capsys):
    out = tmp_path / "beat.mp4"
    assert main(["make", "--instrumental", "--prompt", "lo-fi beat, 90 bpm", "--quality", "draft", "-o", str(out), "-q"]) == 0
    assert "instrumental" in capsys.readouterr().out
    with av.open(str(out)) as container:
        assert container.streams.audio and container.duration > 10 * av.time_base
