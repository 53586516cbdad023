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
        "make another version, change the aspect ratio (16:9, 9:16 for TikTok, 1:1), add, change or remove "
        "the title, and turn the lyrics overlay on or off. Export when you are happy with it.")


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any] = field(default_factory=dict)


def split_lyrics(message: str) -> tuple[str, str]:
    """(instruction, lyrics). The instruction is the first line up to a colon; the lyrics are what follows,
    when that is two lines or more."""
    head, _, tail = message.replace("\r\n", "\n").strip().partition("\n")
    instruction, colon, rest = head.partition(":")
    lyrics = (rest.strip() + "\n" + tail if colon and rest.strip() else tail).strip()
    if len([ln for ln in lyrics.split("\n") if ln.strip()]) >= 2:
        return instruction.strip(), lyrics
    return message.strip(), ""


def understand(message: str, has_song: bool) -> list[ToolCall]:
    """The tool calls for one message; an empty list means the agent should explain what it can do."""
    instruction, lyrics = split_lyrics(message)
    words = " " + instruction.lower() + " "
    if lyrics:
        return [ToolCall("generate_song", {"lyrics": lyrics, "prompt": instruction})]
    calls: list[ToolCall] = []
    if has_song and any(w in words for w in REGENERATE_WORDS):
        calls.append(ToolCall("generate_song", {"new_seed": True}))
    for aspect, names in ASPECT_WORDS.items():
        if any(re.search(r"(?<![\w:])" + re.escape(n) + r"(?![\w:])", words) for n in names):
            calls.append(ToolCall("set_aspect", {"aspect": aspect}))
            break
    if m := re.search(r"(?:^|add|set|change|make)\s*(?:the\s+)?title(?:\s+to)?\s*[:\s]\s*[\"“']?(.+?)[\"”']?\s*$",
                      instruction, re.IGNORECASE):
        calls.append(ToolCall("set_title", {"text": m[1].strip()}))
    elif re.search(r"\b(remove|delete|drop|no)\s+(the\s+)?title\b", words):
        calls.append(ToolCall("set_title", {"text": ""}))
    if re.search(r"\b(hide|remove|no|turn off|without)\s+(the\s+)?lyrics\b|\blyrics\s+off\b", words):
        calls.append(ToolCall("set_lyrics_overlay", {"visible": False}))
    elif re.search(r"\b(show|add|turn on)\s+(the\s+)?lyrics\b|\blyrics\s+on\b", words):
        calls.append(ToolCall("set_lyrics_overlay", {"visible": True}))
    return calls
