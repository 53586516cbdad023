"""What a chat message asks for, as tool calls the agent runs.

Rules, not a language model: each rule recognises one kind of request in English words.
A message with several lines of lyrics is a request to make a song from them, styled by
the rest of the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ASPECT_WORDS = {
    "9:16": ("9:16", "vertical", "portrait", "tiktok", "reels", "shorts", "story"),
    "16:9": ("16:9", "landscape", "widescreen", "horizontal", "youtube"),
    "1:1": ("1:1", "square", "instagram post"),
}
REGENERATE_WORDS = ("another version", "new version", "different version", "try again", "another take", "regenerate",
                    "new melody", "different melody")
HELP = ("I can make a song from lyrics you paste (say the style, e.g. \"an upbeat pop song with vocals\"), "
        "make another version, change its tempo (faster, slower, 100 bpm), key (in A minor), genre, mood, "
        "voice (female or male) or make it instrumental, change the aspect ratio (16:9, 9:16 for TikTok, 1:1), "
        "add, change or remove the title, turn the lyrics overlay on or off, set a track's volume "
        "(\"BGM to 35%\"), use an uploaded video or image as the background or an uploaded song as BGM, "
        "fade in or out, and trim the video. Export when you are happy with it.")
TEMPO_WORDS = {"much faster": 1.25, "a bit faster": 1.06, "faster": 1.12, "speed up": 1.12, "quicker": 1.12,
               "much slower": 0.8, "a bit slower": 0.94, "slower": 0.88, "slow down": 0.88}
VOICE_CHANGE = re.compile(r"\b(female|woman|girl|male|man|guy)('s)?\s+(voice|vocals?|singer)\b")
KEY_CHANGE = re.compile(r"\bin\s+[A-G](?:#|b|♯|♭| sharp| flat)?m?\b|\b(major|minor)\b")


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


def split_lyrics(message: str) -> tuple[str, str]:
    """(instruction, lyrics). The instruction is the first line up to a colon; the lyrics are what follows,
    when that is two lines or more, or any lines after a first line that ends with a colon."""
    head, _, tail = message.replace("\r\n", "\n").strip().partition("\n")
    if head.rstrip().endswith(":") and tail.strip():
        return head.rstrip()[:-1].strip(), tail.strip()
    instruction, colon, rest = head.partition(":")
    lyrics = (rest.strip() + "\n" + tail if colon and rest.strip() else tail).strip()
    if len([ln for ln in lyrics.split("\n") if ln.strip()]) >= 2:
        return instruction.strip(), lyrics
    return message.strip(), ""


def understand(message: str, has_song: bool) -> list[ToolCall]:
    """The tool calls for one message; an empty list means the agent should explain what it can do."""
    instruction, lyrics = split_lyrics(message)
    words = " " + instruction.lower() + " "
    calls: list[ToolCall] = []
    title = re.search(r"(?:^|add|set|change|make)\s*(?:the\s+)?title(?:\s+to)?\s*[:\s]\s*[\"“']?(.+?)[\"”']?\s*$",
                      instruction, re.IGNORECASE)
    request = instruction[: title.start()] if title else re.sub(r"[\"“][^\"”]*[\"”]", " ", instruction)
    if lyrics or (not has_song and re.search(r"\binstrumental\b", words)):
        calls.append(ToolCall("generate_song", {"lyrics": lyrics, "prompt": request.strip(" ,;")}))
    if has_song and not lyrics:
        changes = style_changes(request)
        new_seed = any(w in words for w in REGENERATE_WORDS)
        if changes or new_seed:
            calls.append(ToolCall("generate_song", {"new_seed": new_seed, "changes": changes}))
        calls.extend(track_edits(" " + request.lower() + " "))
    for aspect, names in ASPECT_WORDS.items():
        if any(re.search(r"(?<![\w:])" + re.escape(n) + r"(?![\w:])", words) for n in names):
            calls.append(ToolCall("set_aspect", {"aspect": aspect}))
            break
    if title:
        calls.append(ToolCall("set_title", {"text": title[1].strip()}))
    elif re.search(r"\b(remove|delete|drop|no)\s+(the\s+)?title\b", words):
        calls.append(ToolCall("set_title", {"text": ""}))
    if re.search(r"\b(hide|remove|no|turn off|without)\s+(the\s+)?lyrics\b|\blyrics\s+off\b", words):
        calls.append(ToolCall("set_lyrics_overlay", {"visible": False}))
    elif re.search(r"\b(show|add|turn on)\s+(the\s+)?lyrics\b|\blyrics\s+on\b", words):
        calls.append(ToolCall("set_lyrics_overlay", {"visible": True}))
    return calls


def style_changes(instruction: str) -> dict[str, Any]:
    """Changes to the last song's style named in the message: tempo, key, genre, mood, voice, vocals."""
    from nemo_widgets.engine.genres import PRESETS
    from nemo_widgets.engine.spec import MOODS, parse_spec

    words = " " + instruction.lower() + " "
    spec = parse_spec(instruction)
    changes: dict[str, Any] = {}
    if re.search(r"\d{2,3}\s*bpm|\btempo\s+\d", words):
        changes["bpm"] = spec.bpm
    elif factor := next((v for k, v in TEMPO_WORDS.items() if k in words), None):
        changes["bpm_factor"] = factor
    if KEY_CHANGE.search(instruction):
        changes["key"] = str(spec.key)
    if any(re.search(r"(?<![\w-])" + re.escape(a) + r"(?![\w-])", words) for p in PRESETS.values() for a in p.aliases):
        changes["genre"] = spec.genre
    if any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", words) for ws in MOODS.values() for w in ws):
        changes["mood"] = spec.mood
    if VOICE_CHANGE.search(words):
        changes["voice"] = spec.voice
        changes["instrumental"] = False
    if re.search(r"\binstrumental\b|\bno vocals\b|\bwithout vocals\b|\bremove the vocals\b", words):
        changes["instrumental"] = True
    elif re.search(r"\b(with|add)\s+(the\s+)?vocals\b|\bsing it\b", words):
        changes["instrumental"] = False
    return changes


def track_edits(words: str) -> list[ToolCall]:
    """Edits of the timeline's tracks: volumes, an uploaded background or BGM, fades, trimming."""
    calls = []
    for m in re.finditer(r"\b(bgm|background music|music|song|vocals?|voice)\s+(?:volume\s+)?(?:(?:to|at|down to|up to)\s+)?"
                         r"(\d{1,3})\s*%", words):
        role = "bgm" if m[1] in ("bgm", "background music", "music") else "song"
        calls.append(ToolCall("set_volume", {"role": role, "percent": int(m[2])}))
    if re.search(r"\b(uploaded|my|the)\s+(video|clip|footage|image|photo|picture)\s+as\s+(the\s+)?background\b", words):
        calls.append(ToolCall("set_background", {"use_upload": True}))
    elif re.search(r"\b(remove|reset|default)\s+(the\s+)?background\b", words):
        calls.append(ToolCall("set_background", {"use_upload": False}))
    if re.search(r"\b(uploaded|my|the)\s+(song|music|track|audio|instrumental|beat)\s+as\s+(the\s+)?(bgm|background music)\b", words):
        calls.append(ToolCall("add_bgm", {}))
    for m in re.finditer(r"\bfade\s+(in|out)(?:\s+(?:over|for|of)?\s*(?:the\s+)?(?:last|first)?\s*(\d+(?:\.\d+)?)\s*(?:s|sec|seconds?))?", words):
        calls.append(ToolCall("set_fade", {"which": m[1], "seconds": float(m[2] or 2)}))
    if m := re.search(r"\b(?:trim|cut|shorten)\b.*?\bto\s+(\d+(?:\.\d+)?)\s*(s|sec|seconds?|min|minutes?)\b", words):
        seconds = float(m[1]) * (60 if m[2].startswith("m") else 1)
        calls.append(ToolCall("trim", {"seconds": seconds}))
    return calls
