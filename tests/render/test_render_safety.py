"""The renderer under hostile input and faults: text shown literally, deadlines, no URLs opened through media,
no ffmpeg outliving a killed parent, no temporary folders left behind."""

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest

from nemo_widgets.protocol.draft import parse_draft
from nemo_widgets.render import RenderError, render_draft
from nemo_widgets.render.ffmpeg import RenderTimedOut, ffmpeg_exe, media_input, run_ffmpeg
from nemo_widgets.render.karaoke import WORD_JOINER, ass_script
from nemo_widgets.render.presets import FRAMES

HOSTILE = "a\\Nb\\nc\\hd {\\fs300}e} \\"


def _title_draft(text: str, ms: int = 2000) -> dict:
    return {"t": [{"tt": 0, "sg": [{"st": 0, "d": ms, "role": "background", "style": {"visualizer": "none"}}]},
                  {"tt": 7, "sg": [{"st": 0, "d": ms, "role": "title", "text": text}]}]}


def _dialogue_text(script: str, layer: int) -> list[str]:
    return [line.split(",", 9)[9] for line in script.splitlines() if line.startswith(f"Dialogue: {layer},")]


def test_titles_and_lyrics_reach_libass_as_literal_text(tmp_path):
    words = [("x\\N{\\k9}", 0.5, 1.0), ("y", 1.0, 1.5)]
    timing = {"title": "", "duration": 2.0, "lines": [{"index": 0, "start": 0.5, "end": 1.5, "words": [0, 1]}],
              "words": [{"index": i, "text": w, "start": s, "end": e} for i, (w, s, e) in enumerate(words)]}
    (tmp_path / "timing.json").write_text(json.dumps(timing))
    data = _title_draft(HOSTILE)
    data["t"][1]["sg"].append({"st": 0, "d": 2000, "role": "lyrics", "timing": str(tmp_path / "timing.json")})
    script = ass_script(parse_draft(data), FRAMES["1:1"])
    wj = WORD_JOINER
    assert _dialogue_text(script, 1) == [
        f"{{\\fad(300,400)}}a\\{wj}Nb\\{wj}nc\\{wj}hd \\{{\\{wj}fs300\\}}e\\}} \\{wj}"]
    lyric = _dialogue_text(script, 0)[0]
    assert f"x\\{wj}N\\{{\\{wj}k9\\}}" in lyric
    assert "\\k9" not in lyric.replace(f"\\{wj}", "")  # the typed tag is not a tag


def _text_box(text: str, folder: Path) -> tuple[int, int]:
    """Height and width in pixels of the white title text in a rendered frame."""
    out = render_draft(parse_draft(_title_draft(text)), folder / f"{abs(hash(text))}.mp4", aspect="1:1", quality="draft")
    with av.open(str(out.path)) as container:
        frame = next(f for f in container.decode(video=0) if f.time >= 1.0).to_ndarray(format="rgb24")
    rows, cols = np.nonzero((frame > 225).all(axis=2))
    return int(rows.max() - rows.min()), int(cols.max() - cols.min())


def test_a_frame_shows_escapes_and_braces_as_typed(tmp_path):
    height, width = _text_box("AB CD", tmp_path)
    broken_height, broken_width = _text_box("AB\\NCD", tmp_path)
    assert broken_height < 1.4 * height and broken_width > width  # one line, with the backslash and N drawn
    big_height, big_width = _text_box("{\\fs300}AB", tmp_path)
    assert big_height < 1.6 * height and big_width > width  # the braces and tag drawn at the title's size
    slash = _text_box("A/B", tmp_path)[1]
    backslash = _text_box("A\\B", tmp_path)[1]
    assert abs(backslash - slash) < 0.2 * height  # the word joiner after the backslash draws nothing


def test_a_render_past_its_deadline_is_stopped_and_leaves_nothing(tmp_path):
    started = time.monotonic()
    with pytest.raises(RenderTimedOut, match="took longer than 1 s"):
        render_draft(parse_draft(_title_draft("slow", 600_000)), tmp_path / "slow.mp4", quality="high", deadline=1)
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_media_inputs_cannot_open_urls(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/secret.wav"
    try:
        with pytest.raises(RenderError):
            run_ffmpeg([*media_input(url), "-f", "mp4"], tmp_path / "out.mp4", 1.0)
        assert _Recorder.hits == []
        subprocess.run([ffmpeg_exe(), "-v", "quiet", "-nostdin", "-i", url, "-f", "null", "-"], check=False)
        assert _Recorder.hits == ["/secret.wav"]  # without the whitelist ffmpeg would have fetched it
    finally:
        server.shutdown()
    assert list(tmp_path.iterdir()) == []


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat fields after the command name (state, ppid, pgrp, session, ...), None once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the parent-death signal is Linux's")
def test_ffmpeg_dies_with_a_killed_parent(tmp_path):
    script = ("import sys; from pathlib import Path; from nemo_widgets.protocol.draft import parse_draft; "
              "from nemo_widgets.render import render_draft; "
              f"render_draft(parse_draft({_title_draft('long', 600_000)!r}), Path(sys.argv[1]), quality='high')")
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "long.mp4")])
    try:
        deadline = time.monotonic() + 30
        while not (children := _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert children, "ffmpeg did not start"
        ffmpeg = children[0]
        assert int(_stat(ffmpeg)[3]) == ffmpeg  # its own session: a signal to the parent's group misses it
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 5
    while (fields := _stat(ffmpeg)) and fields[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fields is None or fields[0] == "Z", "ffmpeg kept running after its parent was killed"


def test_renders_leave_no_temporary_folders(tmp_path):
    temp = tmp_path / "temp"
    temp.mkdir()
    script = ("import sys; from pathlib import Path; from nemo_widgets.protocol.draft import parse_draft; "
              "from nemo_widgets.render import render_draft; "
              f"render_draft(parse_draft({_title_draft('bye', 500)!r}), Path(sys.argv[1]), quality='draft')")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "out" / "bye.mp4")], check=True,
                   env={**os.environ, "TMPDIR": str(temp)})
    assert list(temp.iterdir()) == []
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["bye.mp4"]
