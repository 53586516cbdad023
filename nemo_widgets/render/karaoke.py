"""Text layers as one ASS subtitle script: the title card, karaoke lyrics, free text.

Lyrics highlight word by word with `\\kf` fills timed to the sung onsets in timing.json;
a line appears a moment before it is sung. Margins keep text inside the platform safe
areas (for 9:16, TikTok's own interface covers the bottom and the right edge).

Titles and lyrics are shown exactly as typed. ASS has no general escape, so `_escape` uses
libass's rules: a backslash followed by a word joiner (U+2060, invisible) is a plain
backslash, which keeps `\\N`, `\\n` and `\\h` from becoming line breaks or hard spaces; `\\{`
and `\\}` are literal braces, so `{...}` never becomes an override block.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from nemo_widgets.protocol.names import TRACK_TEXT
from nemo_widgets.protocol.draft import Draft, Segment
from nemo_widgets.render.font_files import FALLBACK_FONT, PRIMARY_FONT
from nemo_widgets.render.presets import Frame

_CJK_RUN = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+")
LEAD_IN = 0.6  # seconds a line shows before its first word
HOLD = 0.4  # seconds it stays after its last word
BASE = "&H00FFFFFF"  # white, before the fill (ASS colours are &HAABBGGRR)
HIGHLIGHT = "&H0038D6FF"  # warm yellow once sung
OUTLINE = "&H96000000"
WORD_JOINER = "\u2060"


def _clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h)}:{int(m):02d}:{s:05.2f}"


def _cs(seconds: float) -> int:
    """Centiseconds from the song's start: durations come from differences, so no rounding drift."""
    return round(seconds * 100)


def _escape(text: str) -> str:
    """Text libass shows literally (one line), with runs the primary font lacks (CJK) switched to the fallback font."""
    text = text.replace("\\", "\\" + WORD_JOINER).replace("{", "\\{").replace("}", "\\}")
    text = " ".join(text.splitlines())
    return _CJK_RUN.sub(lambda m: f"{{\\fn{FALLBACK_FONT}}}{m[0]}{{\\fn{PRIMARY_FONT}}}", text)


def margins(frame: Frame) -> tuple[int, int, int]:
    """Left, right and bottom margins in pixels for this frame."""
    if frame.height > frame.width:
        return int(frame.width * 0.11), max(170, int(frame.width * 0.16)), max(360, int(frame.height * 0.2))
    return int(frame.width * 0.08), int(frame.width * 0.08), int(frame.height * 0.12)


def ass_script(draft: Draft, frame: Frame) -> str:
    left, right, bottom = margins(frame)
    short = min(frame.width, frame.height)
    lyric_size = int(short * 0.065)
    title_size = int(short * 0.1)
    header = [
        "[Script Info]", "ScriptType: v4.00+", f"PlayResX: {frame.width}", f"PlayResY: {frame.height}",
        "WrapStyle: 0", "ScaledBorderAndShadow: yes", "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: Lyrics,{PRIMARY_FONT},{lyric_size},{HIGHLIGHT},{BASE},{OUTLINE},&H64000000,-1,0,0,0,100,100,0,0,1,3,1,2,{left},{right},{bottom},1",
        f"Style: Title,{PRIMARY_FONT},{title_size},&H00FFFFFF,&H00FFFFFF,{OUTLINE},&H64000000,-1,0,0,0,100,100,0,0,1,4,2,8,{left},{right},{int(frame.height * 0.2)},1",
        f"Style: Text,{PRIMARY_FONT},{lyric_size},&H00FFFFFF,&H00FFFFFF,{OUTLINE},&H64000000,-1,0,0,0,100,100,0,0,1,3,1,8,{left},{right},{int(frame.height * 0.1)},1",
        "", "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events: list[str] = []
    for segment in draft.segments(TRACK_TEXT):
        start, end = segment.st / 1000, segment.end / 1000
        if segment.role == "title" and segment.text:
            events.append(f"Dialogue: 1,{_clock(start)},{_clock(end)},Title,,0,0,0,,{{\\fad(300,400)}}{_escape(segment.text)}")
        elif segment.role == "text" and segment.text:
            events.append(f"Dialogue: 1,{_clock(start)},{_clock(end)},Text,,0,0,0,,{{\\fad(200,200)}}{_escape(segment.text)}")
        elif segment.role == "lyrics" and segment.timing:
            events.extend(lyric_events(segment))
    return "\n".join(header + events) + "\n"


def lyric_events(segment: Segment) -> list[str]:
    """One karaoke event per sung line, shifted by the segment's start."""
    timing = json.loads(Path(segment.timing).read_text(encoding="utf-8"))
    offset = segment.st / 1000
    words = {w["index"]: w for w in timing["words"]}
    lines = timing["lines"]
    events = []
    for i, line in enumerate(lines):
        line_words = [words[k] for k in line["words"]]
        show = line["start"] - LEAD_IN
        if i > 0:
            show = max(show, lines[i - 1]["end"] + 0.05)
        hide = line["end"] + HOLD
        if i + 1 < len(lines):
            hide = min(hide, max(lines[i + 1]["start"] - LEAD_IN, line["end"] + 0.05))
        cursor = show
        parts = []
        for word in line_words:
            wait = _cs(word["start"]) - _cs(cursor)
            if wait > 0:
                parts.append(f"{{\\k{wait}}}")
            parts.append(f"{{\\kf{max(1, _cs(word['end']) - _cs(word['start']))}}}{_escape(word['text'])} ")
            cursor = word["end"]
        events.append(f"Dialogue: 0,{_clock(show + offset)},{_clock(hide + offset)},Lyrics,,0,0,0,,{''.join(parts).rstrip()}")
    return events
