"""A free-text description to a `SongSpec`.

Numbers the user writes (tempo, key, length, seed) always win over the genre's defaults;
explicit arguments (from CLI flags or the widget's controls) win over the text.
The vocabulary lives in the tables below, not in scattered conditions.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.genres import DEFAULT_GENRE, PRESETS
from nemo_widgets.engine.model import Key, Mode, SongSpec, VoiceName
from nemo_widgets.protocol.names import ASPECTS

MOODS: dict[str, tuple[str, ...]] = {
    "upbeat": ("upbeat", "happy", "happier", "cheerful", "bright", "fun", "joyful", "sunny", "summer", "feel-good", "bouncy", "playful"),
    "energetic": ("energetic", "powerful", "intense", "driving", "anthem", "hype", "banger", "epic", "fast", "aggressive"),
    "melancholic": ("sad", "sadder", "melancholic", "melancholy", "heartbreak", "heartbroken", "lonely", "bittersweet", "nostalgic", "blue"),
    "chill": ("chill", "relaxed", "calm", "calmer", "mellow", "laid-back", "laid back", "dreamy", "lazy", "peaceful", "study"),
    "romantic": ("romantic", "love", "tender", "sensual", "sweet", "intimate"),
    "dark": ("dark", "darker", "moody", "brooding", "haunting", "ominous", "gritty"),
    "hopeful": ("hopeful", "uplifting", "inspiring", "inspirational", "triumphant", "motivational"),
}
MOOD_MINOR = {"melancholic", "dark"}
MOOD_MAJOR = {"upbeat", "hopeful", "romantic"}
TEMPO_SHIFT: dict[str, float] = {  # fraction of the genre's tempo range
    "very fast": 1.0, "fast": 0.85, "quick": 0.8, "upbeat": 0.7, "energetic": 0.75, "driving": 0.75, "uptempo": 0.8,
    "very slow": 0.0, "slow": 0.1, "laid-back": 0.25, "laid back": 0.25, "relaxed": 0.3, "chill": 0.3, "mellow": 0.3,
}
VOICE_WORDS: dict[VoiceName, tuple[str, ...]] = {
    "female": ("female", "woman", "women", "girl", "her", "she", "soprano", "alto", "feminine", "diva"),
    "male": ("male", "man", "men", "guy", "boy", "his", "he", "tenor", "baritone", "bass voice", "masculine"),
}
INSTRUMENTAL_WORDS = ("instrumental", "no vocals", "no vocal", "without vocals", "without singing", "no singing",
                      "beat only", "just the beat", "karaoke version", "backing track")
SHORT_SECONDS = 30.0
TEMPO_WEYL = 0.4142135624  # sqrt(2) - 1: the step between neighbouring seeds' tempos, as a fraction of the range
SINGABLE_TONICS = {"major": (0, 2, 4, 5, 7, 9), "minor": (9, 4, 2, 7, 0, 5)}
NOTE_NAMES = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}

_BPM = re.compile(r"(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats per minute)|(?:tempo|at)\s*(?:of\s*)?(\d{2,3})\b(?!\s*(?:s\b|sec|min|%))")
_KEY = re.compile(
    r"\b(?:in(?: the key of)?|key(?: of)?|key:)\s*(?P<note>[a-g])\s*(?P<acc>#|♯|b|♭|sharp|flat)?\s*"
    r"(?P<mode>major|minor|maj|min|m)?(?![a-z0-9#♯♭])"
    r"|\b(?P<note2>[a-g])\s*(?P<acc2>#|♯|b|♭|sharp|flat)?\s*(?P<mode2>major|minor)\b",
    re.IGNORECASE,
)
_ASPECT = re.compile(r"(?<![\d:.])(?:" + "|".join(map(re.escape, ASPECTS)) + r")(?![\d:])")  # never a time
_MINUTES_SECONDS = re.compile(r"\b(\d{1,2}):([0-5]\d)\b")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50,
    "sixty": 60, "ninety": 90,
}
_SECONDS_UNIT = r"(?:seconds?|secs?|s)"
_DURATION = re.compile(
    r"(?<![\w.'-])(?P<n>\d+(?:\.\d+)?)(?P<gap>\s*(?:-\s*)?)(?P<unit>minutes?|mins?|m|" + _SECONDS_UNIT + r")(?:\b|(?=\d))"
    r"(?:,?\s*(?:and\s+)?(?P<s>\d{1,2})(?:\s*(?:-\s*)?" + _SECONDS_UNIT + r")?\b(?!\s*(?:bpm|beats))"
    r"|(?P<half>\s+and\s+a\s+half))?"
    r"(?!\s*(?:major|minor))",
    re.IGNORECASE,
)
_WORD_DURATION = re.compile(  # "two minutes", "a three-minute song", "a minute and a half" ("a second verse" is not)
    r"\b(?P<n>" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")(?P<half>\s+and\s+a\s+half)?"
    r"[\s-]+(?P<unit>minutes?|seconds)\b(?P<half2>\s+and\s+a\s+half)?"
)
_HALF_MINUTE = re.compile(r"\bhalf an? minute\b")
_DECADE = re.compile(r"(?:19|20)?[2-9]0")  # "an 80s synth-pop song", "90s hip hop": a decade, not seconds
DECADE_WORDS = ("style", "vibe", "vibes", "era", "music", "song", "songs", "sound", "inspired", "throwback", "retro",
                "feel", "synth", "synths", "hit", "hits", "classic", "disco", "jazz", "funk", "new wave")
_SEED = re.compile(r"\bseed\s*[:=#]?\s*(\d+)\b", re.IGNORECASE)


def parse_spec(
    prompt: str,
    *,
    voice: VoiceName | None = None,
    seed: int | None = None,
    instrumental: bool | None = None,
    bpm: float | None = None,
    target_seconds: float | None = None,
) -> SongSpec:
    """Read genre, mood, tempo, key, voice, instrumental, length and seed from `prompt`.

    Whitespace is collapsed and aspect ratios ("9:16") are not numbers here, so every rule
    reads the text once."""
    original = prompt
    prompt = " ".join(prompt.split())
    text = " " + _ASPECT.sub(" ", prompt.lower().replace("’", "'")) + " "
    genre = _genre(text)
    preset = PRESETS[genre]
    mood = _first_match(text, MOODS) or "neutral"
    seed = seed if seed is not None else _seed(prompt)
    tempo = bpm if bpm is not None else _explicit_bpm(text)
    if tempo is None:
        low, high = preset.tempo_range
        shift = next((v for k, v in TEMPO_SHIFT.items() if _has(text, k)), None)
        tempo = float(_seeded_tempo(preset.tempo_range, preset.default_bpm, seed) if shift is None
                      else round(low + (high - low) * shift))
    if not 30 <= tempo <= 300:
        raise EngineInputError(f"A tempo of {tempo:g} bpm cannot be sung: ask for something between 50 and 200 bpm.")
    tempo = float(min(200.0, max(50.0, tempo)))
    key = _key(prompt.replace("’", "'"), text, genre, mood, seed)
    return SongSpec(
        genre=genre,
        mood=mood,
        bpm=tempo,
        key=key,
        voice=voice or _first_match(text, VOICE_WORDS) or "female",
        instrumental=instrumental if instrumental is not None else _instrumental(text),
        target_seconds=target_seconds if target_seconds is not None else _target_seconds(text),
        seed=seed,
        prompt=original,
    )


@cache
def _phrase(phrase: str) -> re.Pattern[str]:
    """`phrase` as a whole word; the literal comes first so the search skips ahead quickly."""
    escaped = re.escape(phrase)
    return re.compile(escaped + r"(?<![\w-]" + escaped + r")(?![\w-])")


def _has(text: str, phrase: str) -> bool:
    return _phrase(phrase).search(text) is not None


def _first_match(text: str, table: dict[str, tuple[str, ...]]):
    """The table key whose phrase occurs earliest in the text (longest phrase on ties)."""
    hits = []
    for key, phrases in table.items():
        for phrase in phrases:
            m = _phrase(phrase).search(text)
            if m:
                hits.append((m.start(), -len(phrase), key))
    return min(hits)[2] if hits else None


def _genre(text: str) -> str:
    """The preset whose alias is longest (most specific) among those in the text."""
    best = None
    for name, preset in PRESETS.items():
        for alias in preset.aliases:
            if _has(text, alias) and (best is None or len(alias) > best[0]):
                best = (len(alias), name)
    return best[1] if best else DEFAULT_GENRE


def _explicit_bpm(text: str) -> float | None:
    m = _BPM.search(text)
    return float(m[1] or m[2]) if m else None


def _seeded_tempo(tempo_range: tuple[int, int], centre: int, seed: int) -> int:
    """With no tempo word, the seed picks a tempo in the middle half of the genre's range around its centre
    (tempo words reach the edges). A Weyl sequence spreads the seeds evenly and moves neighbouring seeds far apart,
    so two seeds of a genre move at different speeds."""
    low, high = tempo_range
    spread = (high - low) / 4
    slow, fast = max(low, round(centre - spread)), min(high, round(centre + spread))
    return slow + int((seed * TEMPO_WEYL) % 1.0 * (fast - slow + 1))


def _key(prompt: str, text: str, genre: str, mood: str, seed: int) -> Key:
    m = next((m for m in _KEY.finditer(prompt) if _is_key_mention(m)), None)
    if m:
        note = (m["note"] or m["note2"]).lower()
        acc = (m["acc"] or m["acc2"] or "").lower()
        mode_word = (m["mode"] or m["mode2"] or "").lower()
        tonic = (NOTE_NAMES[note] + {"#": 1, "♯": 1, "sharp": 1, "b": -1, "♭": -1, "flat": -1}.get(acc, 0)) % 12
        if mode_word:
            mode: Mode = "minor" if mode_word in ("minor", "min", "m") else "major"
            return Key(tonic, mode)
        return Key(tonic, _default_mode(text, genre, mood))
    mode = _default_mode(text, genre, mood)
    choices = SINGABLE_TONICS[mode]
    return Key(choices[seed % len(choices)], mode)


def _is_key_mention(m: re.Match[str]) -> bool:
    """"in A minor", "in F#", "in D" are keys; "in a song" is not: a bare letter must be a capital."""
    if m["note2"] or m["acc"] or m["mode"]:
        return True
    return m["note"].isupper()


def _default_mode(text: str, genre: str, mood: str) -> Mode:
    if _has(text, "minor"):
        return "minor"
    if _has(text, "major"):
        return "major"
    if mood in MOOD_MINOR:
        return "minor"
    if mood in MOOD_MAJOR:
        return "major"
    return PRESETS[genre].default_mode


def _instrumental(text: str) -> bool:
    return any(_has(text, w) for w in INSTRUMENTAL_WORDS)


def _target_seconds(text: str) -> float | None:
    """The length asked for: "2:30", "90 seconds", "a 45-second song", "2 minutes 30", "two minutes", "a minute and
    a half", "1.5 min"; "short", "jingle" or "clip" alone mean SHORT_SECONDS. Decades ("80s pop") are not lengths,
    nor is "a second verse"."""
    if m := _MINUTES_SECONDS.search(text):
        return int(m[1]) * 60.0 + int(m[2])
    if _HALF_MINUTE.search(text):
        return 30.0
    for m in _DURATION.finditer(text):
        value = float(m["n"]) + (0.5 if m["half"] else 0.0)
        if m["unit"].lower().startswith("m"):
            return value * 60 + (int(m["s"]) if m["s"] else 0)
        if not _is_decade(text, m):
            return value
    if "minute" in text or "seconds" in text:
        if m := _WORD_DURATION.search(text):
            value = _NUMBER_WORDS[m["n"]] + (0.5 if m["half"] or m["half2"] else 0.0)
            return value * 60 if m["unit"].startswith("m") else value
    if _has(text, "full song") or _has(text, "full-length") or _has(text, "full length"):
        return None
    if _has(text, "short") or _has(text, "jingle") or _has(text, "clip"):
        return SHORT_SECONDS
    return None


def _is_decade(text: str, m: re.Match[str]) -> bool:
    if m["unit"].lower() != "s" or m["gap"] or not _DECADE.fullmatch(m["n"]):
        return False
    rest = text[m.end():].lstrip()
    aliases = (alias for preset in PRESETS.values() for alias in preset.aliases)
    return any(re.match(re.escape(word) + r"(?![\w])", rest) for word in (*DECADE_WORDS, *aliases))


def _seed(prompt: str) -> int:
    """A seed written in the prompt, else one derived from its words, so a prompt always gives the same song."""
    if m := _SEED.search(prompt):
        return int(m[1])
    digest = hashlib.sha256(" ".join(prompt.lower().split()).encode()).digest()
    return int.from_bytes(digest[:4], "big")
