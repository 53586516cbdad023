"""The renderer, checked with an independent reader (PyAV): shapes, codecs, timing, audio levels, errors."""

import json
import subprocess
import threading
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from nemo_widgets.cli import main
from nemo_widgets.protocol.draft import DraftError, parse_draft
from nemo_widgets.render import RenderCancelled, render_draft, song_draft
from nemo_widgets.render.ffmpeg import ffmpeg_exe
from nemo_widgets.render.karaoke import ass_script
from nemo_widgets.render.presets import FRAMES

RATE = 44100
SECONDS = 5.0


def _tone(path: Path, seconds: float, amplitude: float = 0.3, freq: float = 330.0) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = amplitude * np.sin(2 * np.pi * freq * t)
    sf.write(path, np.stack([mono, mono], axis=1), RATE)
    return path


@pytest.fixture(scope="module")
def song_folder(tmp_path_factory) -> Path:
    """A small song folder in the engine's format: a tone as the song and two sung lines."""
    folder = tmp_path_factory.mktemp("song")
    _tone(folder / "song.wav", SECONDS)
    words = [("Hello", 0.8, 1.2), ("bright", 1.25, 1.9), ("world!", 2.0, 2.6), ("Goodnight", 3.0, 3.6), ("moon", 3.7, 4.4)]
    timing = {
        "format": "nemo-timing", "version": 1, "title": "Hello 世界", "duration": SECONDS, "genre": "edm",
        "lines": [{"index": 0, "text": "Hello bright world!", "section": 1, "start": 0.8, "end": 2.6, "words": [0, 1, 2]},
                  {"index": 1, "text": "Goodnight moon", "section": 1, "start": 3.0, "end": 4.4, "words": [3, 4]}],
        "words": [{"index": i, "text": w, "sung": w.strip("!").lower(), "start": s, "end": e, "line": 0 if i < 3 else 1}
                  for i, (w, s, e) in enumerate(words)],
        "syllables": [],
    }
    (folder / "timing.json").write_text(json.dumps(timing))
    return folder


def _probe(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        return {
            "width": video.codec_context.width, "height": video.codec_context.height,
            "vcodec": video.codec_context.name, "pix_fmt": video.codec_context.pix_fmt,
            "acodec": audio.codec_context.name, "channels": audio.codec_context.channels,
            "rate": audio.codec_context.sample_rate,
            "duration": float(container.duration) / av.time_base,
            "vdur": float(video.duration * video.time_base), "adur": float(audio.duration * audio.time_base),
            "abitrate": audio.codec_context.bit_rate,
        }


def _atoms(path: Path) -> list[str]:
    data = path.read_bytes()
    names, at = [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        names.append(data[at + 4 : at + 8].decode("latin-1"))
        if size < 8:
            break
        at += size
    return names


def _audio_rms(path: Path, start: float, end: float) -> float:
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    samples = np.concatenate([c.reshape(c.shape[0], -1) for c in chunks], axis=1)
    return float(np.sqrt(np.mean(samples[:, int(start * RATE) : int(end * RATE)] ** 2)))


@pytest.mark.parametrize("aspect", sorted(FRAMES))
def test_each_aspect_plays_everywhere(song_folder, tmp_path, aspect):
    draft = song_draft(song_folder)
    out = render_draft(draft, tmp_path / "song.mp4", aspect=aspect, quality="standard" if aspect == "16:9" else "draft")
    info = _probe(out.path)
    width, height = FRAMES[aspect].width, FRAMES[aspect].height
    assert (info["width"], info["height"]) == (width, height)
    assert (info["vcodec"], info["pix_fmt"], info["acodec"]) == ("h264", "yuv420p", "aac")
    assert (info["channels"], info["rate"]) == (2, RATE)
    assert abs(info["duration"] - SECONDS) <= 0.1
    assert abs(info["vdur"] - info["adur"]) <= 0.05
    atoms = _atoms(out.path)
    assert atoms.index("moov") < atoms.index("mdat")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mp4"]


def test_karaoke_events_follow_the_timing(song_folder):
    draft = song_draft(song_folder)
    script = ass_script(draft, FRAMES["16:9"])
    timing = json.loads((song_folder / "timing.json").read_text())
    events = [line for line in script.splitlines() if line.startswith("Dialogue: 0,")]
    assert len(events) == len(timing["lines"])
    starts = []
    for event in events:
        fields = event.split(",", 9)
        h, m, s = fields[1].split(":")
        clock = int(h) * 3600 + int(m) * 60 + float(s)
        import re
        for tag, value in re.findall(r"\\(kf|k)(\d+)", fields[9]):
            if tag == "kf":
                starts.append(round(clock, 2))
            clock += int(value) / 100
    assert starts == pytest.approx([w["start"] for w in timing["words"]], abs=0.011)
    assert "Hello {\\fnNoto Sans CJK JP}世界{\\fnRoboto}" in script


def test_the_bundled_fonts_cover_latin_and_cjk(tmp_path):
    from nemo_widgets.render.font_files import link_fonts

    folder = link_fonts(tmp_path / "fonts")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["NotoSansCJKjp-Regular.otf", "Roboto-Bold.ttf", "Roboto-Regular.ttf"]
    assert all(p.resolve().stat().st_size > 100_000 for p in folder.iterdir())


def test_bgm_volume_is_applied(tmp_path):
    source = _tone(tmp_path / "bgm.wav", SECONDS, amplitude=0.5)
    draft = parse_draft({"t": [{"tt": 1, "sg": [{"st": 0, "d": 5000, "role": "bgm", "src": str(source), "vol": 0.35}]}]})
    out = render_draft(draft, tmp_path / "bgm.mp4", aspect="1:1", quality="draft")
    source_rms = 0.5 / np.sqrt(2)
    assert _audio_rms(out.path, 1.0, 4.0) / source_rms == pytest.approx(0.35, rel=0.08)


@pytest.mark.parametrize("visualizer", ["spectrum", "none"])
def test_other_visualizers(song_folder, tmp_path, visualizer):
    data = song_draft(song_folder).to_wire()
    data["t"][0]["sg"][0]["style"]["visualizer"] = visualizer
    out = render_draft(parse_draft(data), tmp_path / "v.mp4", aspect="1:1", quality="draft")
    assert abs(_probe(out.path)["duration"] - SECONDS) <= 0.1


def test_background_video_loops_to_the_song_length(tmp_path, song_folder):
    clip = tmp_path / "clip.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=s=320x240:r=24:d=1.5",
                    "-pix_fmt", "yuv420p", str(clip)], check=True)
    data = song_draft(song_folder).to_wire()
    data["t"][0]["sg"][0]["src"] = str(clip)
    out = render_draft(parse_draft(data), tmp_path / "looped.mp4", aspect="9:16", quality="draft")
    info = _probe(out.path)
    assert abs(info["vdur"] - SECONDS) <= 0.1 and (info["width"], info["height"]) == (1080, 1920)


def test_image_background(tmp_path, song_folder):
    image = tmp_path / "cover.png"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=s=640x480", "-frames:v", "1", str(image)], check=True)
    data = song_draft(song_folder).to_wire()
    data["t"][0]["sg"][0]["src"] = str(image)
    out = render_draft(parse_draft(data), tmp_path / "image.mp4", aspect="16:9", quality="draft")
    assert abs(_probe(out.path)["vdur"] - SECONDS) <= 0.1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["t"][1]["sg"][0].update(src="/nowhere/song.wav"), "t.1.sg.0.src"),
        (lambda d: d.update(t=[]), "nothing to export"),
        (lambda d: d["t"][2].update(tt=3), "unknown track type 3"),
        (lambda d: d["t"][1]["sg"][0].update(d=-5), "t.1.sg.0.d"),
        (lambda d: d["t"][1]["sg"][0].update(role="title"), "audio track cannot hold"),
    ],
)
def test_bad_drafts_name_the_field(song_folder, tmp_path, change, message):
    data = song_draft(song_folder).to_wire()
    change(data)
    with pytest.raises(DraftError, match=message):
        render_draft(parse_draft(data), tmp_path / "bad.mp4")
    assert list(tmp_path.iterdir()) == []


def test_an_upload_that_is_not_media(song_folder, tmp_path):
    fake = tmp_path / "song.mp3"
    fake.write_text("this is not audio")
    data = song_draft(song_folder).to_wire()
    data["t"][1]["sg"][0]["src"] = str(fake)
    with pytest.raises(DraftError, match="not audio media"):
        render_draft(parse_draft(data), tmp_path / "bad.mp4")
    assert not (tmp_path / "bad.mp4").exists()


def test_cancel_stops_ffmpeg_and_leaves_nothing(song_folder, tmp_path):
    cancel = threading.Event()
    with pytest.raises(RenderCancelled):
        render_draft(song_draft(song_folder), tmp_path / "cancelled.mp4", quality="high",
                     progress=lambda fraction: cancel.set(), cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_cli_render(song_folder, tmp_path, capsys):
    draft_file = tmp_path / "draft.json"
    draft_file.write_text(json.dumps(song_draft(song_folder).to_wire()))
    assert main(["render", str(draft_file), "-o", str(tmp_path / "out.mp4"), "--aspect", "1:1", "--quality", "draft", "-q"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "out.mp4")
    draft_file.write_text('{"t": [], "d": 1000}')
    assert main(["render", str(draft_file), "-o", str(tmp_path / "empty.mp4"), "-q"]) == 2
    assert "nothing to export" in capsys.readouterr().err
    assert not (tmp_path / "empty.mp4").exists()
