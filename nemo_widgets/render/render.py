"""Draft to MP4: one ffmpeg run with a filter graph built from the draft's layers.

Video: a generated gradient background styled per genre (drawn once and repeated: a
gradient drawn per frame costs more than the encoding) (or an uploaded video, scaled,
cropped to fill and looped, or an image with a slow zoom), the audio's waveform or spectrum, then the
text layers as ASS subtitles (title card, karaoke lyrics, free text). Audio: every audio
segment trimmed, faded, set to its volume and placed on the timeline, then mixed.
H.264 yuv420p + AAC 192 kb/s stereo with the index at the front, so it plays in
browsers and on phones. Media files are read with ffmpeg's protocol whitelist limited to
`file`; the subtitle script and font links live in a `.tmp-*` folder beside the output,
removed when the render ends.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nemo_widgets.protocol.names import TRACK_AUDIO, TRACK_VIDEO, Aspect, Quality
from nemo_widgets.protocol.draft import Draft, DraftError, Segment
from nemo_widgets.render.ffmpeg import media_input, run_ffmpeg
from nemo_widgets.render.font_files import link_fonts
from nemo_widgets.render.karaoke import ass_script
from nemo_widgets.render.media_info import has_stream
from nemo_widgets.render.presets import AUDIO_BITRATE, Frame, encoding_for, frame_for

PALETTES: dict[str, tuple[str, str, str]] = {  # two gradient colours and the waveform colour
    "pop": ("0xff5f9e", "0x6a3de8", "0xffffff"),
    "rock": ("0x2b2b2b", "0x8b1e1e", "0xffd0a0"),
    "ballad": ("0x1d2b53", "0x7e6b8f", "0xf5e6ff"),
    "lofi": ("0x3a4a5c", "0xc08a6a", "0xfff1d6"),
    "edm": ("0x0a0a2a", "0x00c2ff", "0x9cff57"),
    "hiphop": ("0x111111", "0x5a3d9a", "0xffcc00"),
    "folk": ("0x4e6b3a", "0xd9b26f", "0xfff8e7"),
    "rnb": ("0x2a0f3d", "0xc2417a", "0xffd6e8"),
}


VISUALIZERS = {  # ffmpeg filters drawing the audio; draw=full keeps the waveform visible on every build
    "waveform": "showwaves=s={w}x{h}:mode=cline:draw=full:rate={fps}:colors={colour}@0.85",
    "spectrum": "showfreqs=s={w}x{h}:mode=bar:ascale=sqrt:fscale=log:cmode=combined:win_size=2048:rate={fps}:colors={colour}|{colour}",
}


@dataclass(frozen=True)
class RenderResult:
    path: Path
    duration: float
    width: int
    height: int


def render_draft(
    draft: Draft,
    output: Path,
    *,
    aspect: Aspect = "16:9",
    quality: Quality = "standard",
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    deadline: float | None = None,
) -> RenderResult:
    """Render the draft; raises DraftError for media that is missing or is not media, RenderTimedOut
    past `deadline` seconds."""
    frame = frame_for(aspect)
    encoding = encoding_for(quality)
    duration = draft.duration_ms / 1000
    audio = draft.segments(TRACK_AUDIO)
    _check_media(draft)
    inputs: list[str] = []
    graph: list[str] = []
    for i, segment in enumerate(audio):
        inputs += media_input(segment.src)
        graph.append(f"[{i}:a]{_audio_chain(segment)}[a{i}]")
    mix_inputs = "".join(f"[a{i}]" for i in range(len(audio)))
    if audio:
        graph.append(f"{mix_inputs}amix=inputs={len(audio)}:normalize=0:duration=longest,apad,atrim=0:{duration:.3f},"
                     "aformat=sample_rates=44100:channel_layouts=stereo,asplit=2[aout][aviz]")
    else:
        graph.append(f"anullsrc=r=44100:cl=stereo,atrim=0:{duration:.3f},asplit=2[aout][aviz]")
    background = next(iter(draft.segments(TRACK_VIDEO)), None)
    style = background.style if background else {}
    graph.append(_background(background, frame, encoding.fps, duration, inputs, len(audio)))
    layers = "[bg]"
    visualizer = style.get("visualizer", "waveform")
    if visualizer in VISUALIZERS:
        colour = PALETTES.get(str(style.get("genre", "pop")), PALETTES["pop"])[2]
        height = int(frame.height * (0.22 if frame.height > frame.width else 0.28))
        graph.append(f"[aviz]{VISUALIZERS[visualizer].format(w=frame.width, h=height, fps=encoding.fps, colour=colour)},"
                     "format=rgba[viz]")
        graph.append("[bg][viz]overlay=0:(H-h)/2:shortest=1[vw]")
        layers = "[vw]"
    else:
        graph.append("[aviz]anullsink")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tmp-", dir=output.parent) as tmp:
        subtitles = Path(tmp) / "text.ass"
        subtitles.write_text(ass_script(draft, frame), encoding="utf-8")
        fonts = link_fonts(Path(tmp) / "fonts")
        graph.append(f"{layers}ass=filename={_filter_path(subtitles)}:fontsdir={_filter_path(fonts)},"
                     f"format=yuv420p[vout]")
        args = [
            *inputs, "-filter_complex", ";".join(graph), "-map", "[vout]", "-map", "[aout]",
            "-c:v", "libx264", "-preset", encoding.preset, "-crf", str(encoding.crf), "-pix_fmt", "yuv420p",
            "-r", str(encoding.fps), "-g", str(encoding.fps * 2),
            "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2", "-ar", "44100",
            "-t", f"{duration:.3f}", "-movflags", "+faststart",
        ]
        run_ffmpeg(args, output, duration, progress, cancel, deadline)
    return RenderResult(output, duration, frame.width, frame.height)


def _check_media(draft: Draft) -> None:
    for t, track in enumerate(draft.t):
        for s, segment in enumerate(track.sg):
            if not segment.src:
                if track.tt == TRACK_AUDIO:
                    raise DraftError(f"Invalid draft field `t.{t}.sg.{s}.src`: an audio segment needs a source file.")
                continue
            path = Path(segment.src)
            if not path.is_file():
                raise DraftError(f"Invalid draft field `t.{t}.sg.{s}.src`: the media {segment.src} does not exist.")
            kind = "audio" if track.tt == TRACK_AUDIO else "video"
            if not has_stream(path, kind):
                raise DraftError(f"Invalid draft field `t.{t}.sg.{s}.src`: {path.name} is not {kind} media ffmpeg can read.")


def _audio_chain(segment: Segment) -> str:
    seconds = segment.d / 1000
    chain = [f"atrim=start={segment.trim_in / 1000:.3f}:duration={seconds:.3f}", "asetpts=PTS-STARTPTS",
             "aformat=sample_rates=44100:channel_layouts=stereo", f"volume={segment.vol:.4f}"]
    if segment.fade_in:
        chain.append(f"afade=t=in:st=0:d={segment.fade_in / 1000:.3f}")
    if segment.fade_out:
        chain.append(f"afade=t=out:st={max(0.0, seconds - segment.fade_out / 1000):.3f}:d={segment.fade_out / 1000:.3f}")
    if segment.st:
        chain.append(f"adelay={segment.st}:all=1")
    return ",".join(chain)


def _background(segment: Segment | None, frame: Frame, fps: int, duration: float, inputs: list[str], index: int) -> str:
    """The bottom video layer, labelled [bg]: an uploaded video or image (ffmpeg's input `index`, appended to
    `inputs`), else a slow genre gradient."""
    size = f"{frame.width}x{frame.height}"
    fill = (f"scale={frame.width}:{frame.height}:force_original_aspect_ratio=increase,"
            f"crop={frame.width}:{frame.height},setsar=1,fps={fps}")
    if segment is not None and segment.src:
        if Path(segment.src).suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif"):
            inputs += ["-loop", "1", "-framerate", str(fps), "-t", f"{duration:.3f}", *media_input(segment.src)]
            frames = max(1, int(duration * fps))
            return (f"[{index}:v]{fill},zoompan=z='1+0.08*on/{frames}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                    f":d=1:s={size}:fps={fps},trim=0:{duration:.3f},setpts=PTS-STARTPTS[bg]")
        inputs += ["-stream_loop", "-1", *media_input(segment.src)]
        return f"[{index}:v]{fill},trim=0:{duration:.3f},setpts=PTS-STARTPTS[bg]"
    genre = str((segment.style if segment else {}).get("genre", "pop"))
    first, second, _ = PALETTES.get(genre, PALETTES["pop"])
    return (f"gradients=s={size}:c0={first}:c1={second}:x0=0:y0=0:x1={frame.width}:y1={frame.height}:"
            f"seed=1:r={fps}:d={1 / fps:.4f},format=yuv420p,loop=loop=-1:size=1,setpts=N/{fps}/TB,"
            f"trim=duration={duration:.3f}[bg]")


def _filter_path(path: Path) -> str:
    """A path quoted for an ffmpeg filter argument."""
    return "'" + str(path).replace("\\", "/").replace("'", r"'\''").replace(":", r"\:") + "'"
