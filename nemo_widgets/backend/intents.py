"""What a chat message asks for, as tool calls the agent runs.

Rules, not a language model: each rule recognises one kind of request in English words.
A message with several lines of lyrics is a request to make a song from them, styled by
the rest of the message. Options sent as data (`SongOptions`) win over the words.

Every rule runs in time linear in the message (whitespace is collapsed first, no rule
scans ahead from more than one place), so no message can hold the server up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Any

from nemo_widgets.protocol.names import MAX_TOOL_CALLS
from nemo_widgets.protocol.options import SongOptions

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
ACTIONS = (  # (what I can do, an example, words that ask for it), most asked first; the answer to an unknown request
    ("make another version", '"another version"', "another version new different melody again take regenerate redo"),
    ("change the genre or mood", '"make it rock", "sadder"',
     "genre style rock pop jazz country edm lofi ballad folk rnb hiphop rap mood sad happy darker chill sound vibe"),
    ("change the aspect ratio", '"9:16 for TikTok"',
     "aspect ratio vertical square tiktok youtube instagram reels shape size format portrait landscape"),
    ("change the tempo", '"slower", "120 bpm"', "tempo faster slower speed bpm quick quicker slow fast pace"),
    ("change the key", '"in A minor"', "key minor major pitch transpose"),
    ("switch the voice", '"male vocals"', "voice singer vocals male female man woman sing singing"),
    ("make it instrumental", '"instrumental"', "instrumental vocals no without remove"),
    ("set the title", '"title: Summer Nights"', "title name heading called caption"),
    ("show or hide the lyrics", '"hide the lyrics"', "lyrics words subtitles karaoke captions overlay text"),
    ("change a track's volume", '"music quieter", "BGM to 35%"',
     "volume loud louder quiet quieter soft softer music bgm level mix balance"),
    ("use an upload as the background or BGM", '"my video as background"',
     "background video image photo picture upload uploaded clip footage bgm"),
    ("fade in or out", '"fade out over 3 seconds"', "fade in out ending end start smooth"),
    ("trim the video", '"trim to 30 seconds"', "trim cut shorten length shorter long longer duration seconds minutes"),
    ("export it", '"export"', "export download save render mp4 file video"),
)
MAKE_A_SONG = ('To make a song, write the style, a colon and the lyrics on the next lines (e.g. "an upbeat pop song '
               'with vocals:" then your lines), or ask for "a chill lo-fi instrumental, 60 seconds".')
ASKS_FOR_HELP = re.compile(r"\b(help|what can you do|what do you do|how does this work|commands|options)\b")
TEMPO_WORDS = {"much faster": 1.25, "a bit faster": 1.06, "faster": 1.12, "speed up": 1.12, "quicker": 1.12,
               "much slower": 0.8, "a bit slower": 0.94, "slower": 0.88, "slow down": 0.88}
VOICE_CHANGE = re.compile(r"\b(female|woman|girl|male|man|guy)('s)?\s(voice|vocals?|singer)\b")
KEY_CHANGE = re.compile(r"\bin\s[A-G](?:#|b|♯|♭| sharp| flat)?m?\b|\b(major|minor)\b")
ASPECTS = {aspect: re.compile(r"(?<![\w:])(?:" + "|".join(map(re.escape, names)) + r")(?![\w:])")
           for aspect, names in ASPECT_WORDS.items()}
TITLE = re.compile(r"(?:^|add|set|change|make) ?(?:the )?title(?: to)? ?[: ]", re.IGNORECASE)
QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")  # a quote ends at the next quote mark: one scan, never a rescan
INSTRUMENTAL = re.compile(r"\binstrumental\b")
NO_TITLE = re.compile(r"\b(remove|delete|drop|no) (the )?title\b")
LYRICS_OFF = re.compile(r"\b(hide|remove|no|turn off|without) (the )?lyrics\b|\blyrics off\b")
LYRICS_ON = re.compile(r"\b(show|add|turn on) (the )?lyrics\b|\blyrics on\b")
VOLUME = re.compile(r"\b(bgm|background music|music|song|vocals?|voice) (?:volume )?(?:(?:to|at|down to|up to) )?"
                    r"(\d{1,3}) ?%")
_TRACK = r"(bgm|background music|music|song|vocals?|voice|it)"
_AMOUNT = r"(?:(a (?:little|bit|touch)|slightly|much|a lot|way) )?"
LOUDER = {"quieter": -1, "softer": -1, "lower": -1, "down": -1, "louder": 1, "up": 1, "raise": 1,
          "loud": -1, "quiet": 1}  # +1 turns the track up; "too loud" turns it down
RELATIVE_VOLUME = (  # "make the music quieter", "turn the BGM down a bit", "turn down the music", "the song is too loud"
    re.compile(rf"\b(?:make|turn|bring|get) (?:the )?{_TRACK} {_AMOUNT}(quieter|softer|louder|down|up)"
               r"(?: (a little|a bit|a touch|slightly|a lot))?\b"),
    re.compile(rf"\b(?:turn|bring) (down|up) (?:the )?{_TRACK}\b"),
    re.compile(rf"\b(lower|raise) (?:the )?(?:volume of the |volume of |)(?:the )?{_TRACK}\b"),
    re.compile(rf"\b(?:the )?{_TRACK} is (?:(much|a bit|way) )?too (loud|quiet)\b"),
)
VOLUME_STEP = 1.4  # the factor a "louder" applies; "quieter" divides by it; an amount word changes it
AMOUNT_STEP = {"a little": 1.15, "a bit": 1.15, "a touch": 1.15, "slightly": 1.15, "much": 2.0, "a lot": 2.0, "way": 2.0}
UPLOAD_BACKGROUND = re.compile(r"\b(uploaded|my|the) (video|clip|footage|image|photo|picture) as (the )?background\b")
RESET_BACKGROUND = re.compile(r"\b(remove|reset|default) (the )?background\b")
UPLOAD_BGM = re.compile(r"\b(uploaded|my|the) (song|music|track|audio|instrumental|beat) as (the )?(bgm|background music)\b")
FADE = re.compile(r"\bfade (in|out)(?: (?:(?:over|for|of) )?(?:the )?(?:(?:last|first) )?(\d+(?:\.\d+)?) ?(?:s|sec|seconds?)\b)?")
TRIM_WORD = re.compile(r"\b(?:trim|cut|shorten)\b")
TRIM_TO = re.compile(r"\bto (\d+(?:\.\d+)?) ?(s|sec|seconds?|min|minutes?)\b")


class TooManyChanges(ValueError):
    """A message asking for more tool calls than one turn may run (MAX_TOOL_CALLS)."""


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


def understand(message: str, has_song: bool, options: SongOptions = SongOptions()) -> list[ToolCall]:
    """The tool calls for one message; an empty list means the agent should explain what it can do.

    Raises TooManyChanges when the message asks for more than MAX_TOOL_CALLS of them."""
    instruction, lyrics = split_lyrics(message)
    instruction = " ".join(instruction.split())
    words = " " + instruction.lower() + " "
    calls: list[ToolCall] = []
    title = _title(instruction)
    request = instruction[: title[0]] if title else QUOTED.sub(" ", instruction)
    if options.instrumental is not None:
        instrumental_song = options.instrumental and not lyrics
    else:
        instrumental_song = not has_song and INSTRUMENTAL.search(words) is not None
    if lyrics or instrumental_song:
        calls.append(ToolCall("generate_song", {"lyrics": lyrics, "prompt": request.strip(" ,;"), **_song_args(options)}))
    elif has_song:
        changes = style_changes(request)
        new_seed = any(w in words for w in REGENERATE_WORDS)
        if changes or new_seed:
            calls.append(ToolCall("generate_song", {"new_seed": new_seed, "changes": changes}))
        calls.extend(track_edits(" " + request.lower() + " "))
    aspect = options.aspect or next((a for a, pattern in ASPECTS.items() if pattern.search(words)), None)
    if aspect:
        calls.append(ToolCall("set_aspect", {"aspect": aspect}))
    if options.title is not None:
        calls.append(ToolCall("set_title", {"text": options.title}))
    elif title:
        calls.append(ToolCall("set_title", {"text": title[1]}))
    elif NO_TITLE.search(words):
        calls.append(ToolCall("set_title", {"text": ""}))
    if LYRICS_OFF.search(words):
        calls.append(ToolCall("set_lyrics_overlay", {"visible": False}))
    elif LYRICS_ON.search(words):
        calls.append(ToolCall("set_lyrics_overlay", {"visible": True}))
    if len(calls) > MAX_TOOL_CALLS:
        raise TooManyChanges(f"This message asks for more than {MAX_TOOL_CALLS} changes, the most one message may "
                             "ask for: split it into several messages.")
    return calls


def overruled(message: str, options: SongOptions) -> list[str]:
    """What the message's words asked for that an explicit option overrode, for the reply to say (the controls win,
    but the user should not be left wondering why "for TikTok" gave a square video)."""
    from nemo_widgets.engine.spec import parse_spec

    instruction = " ".join(split_lyrics(message)[0].split())
    words = " " + instruction.lower() + " "
    notes = []
    said_aspect = next((a for a, pattern in ASPECTS.items() if pattern.search(words)), None)
    if options.aspect and said_aspect and said_aspect != options.aspect:
        notes.append(f"the video is {options.aspect} as chosen, not {said_aspect} as the text says")
    if options.voice and VOICE_CHANGE.search(words) and (said_voice := parse_spec(instruction).voice) != options.voice:
        notes.append(f"the {options.voice} voice sings as chosen, not the {said_voice} one the text asks for")
    if options.instrumental is False and INSTRUMENTAL.search(words):
        notes.append("it is sung as chosen, though the text says instrumental")
    return notes


def _song_args(options: SongOptions) -> dict[str, Any]:
    """The generate_song arguments the explicit options set: they win over the prompt's words."""
    given = options.to_wire()
    return {name: given[name] for name in ("voice", "seed", "instrumental", "duration") if name in given}


def _title(instruction: str) -> tuple[int, str] | None:
    """Where a "title: ..." request starts and its text (the rest of the message, quotes removed)."""
    for match in TITLE.finditer(instruction):
        text = instruction[match.end():].strip()
        text = text[1:] if text[:1] in "\"“'" else text
        text = (text[:-1] if text[-1:] in "\"”'" else text).strip()
        if text:
            return match.start(), text
    return None


@cache
def _phrases(table: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of the phrases as whole words, longest first: one scan of the text."""
    ordered = sorted(table, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")


def style_changes(instruction: str) -> dict[str, Any]:
    """Changes to the last song's style named in the message: tempo, key, genre, mood, voice, vocals."""
    from nemo_widgets.engine.genres import PRESETS
    from nemo_widgets.engine.spec import MOODS, parse_spec

    words = " " + instruction.lower() + " "
    spec = parse_spec(instruction)
    changes: dict[str, Any] = {}
    if re.search(r"\d{2,3} ?bpm|\btempo \d", words):
        changes["bpm"] = spec.bpm
    elif factor := next((v for k, v in TEMPO_WORDS.items() if k in words), None):
        changes["bpm_factor"] = factor
    if KEY_CHANGE.search(instruction):
        changes["key"] = str(spec.key)
    if _phrases(tuple(a for p in PRESETS.values() for a in p.aliases)).search(words):
        changes["genre"] = spec.genre
    if _phrases(tuple(w for ws in MOODS.values() for w in ws)).search(words):
        changes["mood"] = spec.mood
    if VOICE_CHANGE.search(words):
        changes["voice"] = spec.voice
        changes["instrumental"] = False
    if re.search(r"\binstrumental\b|\bno vocals\b|\bwithout vocals\b|\bremove the vocals\b", words):
        changes["instrumental"] = True
    elif re.search(r"\b(with|add) (the )?vocals\b|\bsing it\b", words):
        changes["instrumental"] = False
    return changes


def track_edits(words: str) -> list[ToolCall]:
    """Edits of the timeline's tracks: volumes, an uploaded background or BGM, fades, trimming."""
    calls = []
    for m in islice(VOLUME.finditer(words), MAX_TOOL_CALLS + 1):  # more is refused anyway
        calls.append(ToolCall("set_volume", {"role": _role(m[1]), "percent": int(m[2])}))
    if not calls:
        calls.extend(_relative_volume(words))
    if UPLOAD_BACKGROUND.search(words):
        calls.append(ToolCall("set_background", {"use_upload": True}))
    elif RESET_BACKGROUND.search(words):
        calls.append(ToolCall("set_background", {"use_upload": False}))
    if UPLOAD_BGM.search(words):
        calls.append(ToolCall("add_bgm", {}))
    for m in islice(FADE.finditer(words), MAX_TOOL_CALLS + 1):
        calls.append(ToolCall("set_fade", {"which": m[1], "seconds": float(m[2] or 2)}))
    if (trim := TRIM_WORD.search(words)) and (m := TRIM_TO.search(words, trim.end())):
        seconds = float(m[1]) * (60 if m[2].startswith("m") else 1)
        calls.append(ToolCall("trim", {"seconds": seconds}))
    return calls


def _role(track: str) -> str:
    """"music" is the BGM when there is one, else the song: the agent decides with the draft in hand."""
    return {"bgm": "bgm", "background music": "bgm", "music": "music"}.get(track, "song")


def _relative_volume(words: str) -> list[ToolCall]:
    """"quieter", "turn it up a bit", "the music is too loud": a volume change relative to the current one."""
    for pattern in RELATIVE_VOLUME:
        if m := pattern.search(words):
            parts = [g for g in m.groups() if g]
            track = next(g for g in parts if re.fullmatch(_TRACK, g))
            sign = next(LOUDER[g] for g in parts if g in LOUDER)
            step = next((AMOUNT_STEP[g] for g in parts if g in AMOUNT_STEP), VOLUME_STEP)
            return [ToolCall("set_volume", {"role": _role(track) if track != "it" else "song",
                                            "factor": round(step ** sign, 3)})]
    return []


def answer_without_tools(message: str, has_song: bool) -> str:
    """The reply to a message no rule understood: everything I can do when asked for help; before the first song,
    how to make one; else a short "I can't do that yet" with the three actions whose words are closest."""
    if ASKS_FOR_HELP.search(message.lower()):
        return HELP
    if not has_song:
        return (MAKE_A_SONG + ' Say "help" for everything I can do.')
    words = set(re.findall(r"[a-z0-9:]+", message.lower()))
    ranked = sorted(range(len(ACTIONS)), key=lambda i: (-len(words & set(ACTIONS[i][2].split())), i))
    closest = "; ".join(f"{ACTIONS[i][0]} ({ACTIONS[i][1]})" for i in ranked[:3])
    return f"I can't do that yet. Closest I can do: {closest}. Say \"help\" for everything I can do."
