"""Lyric text to `Lyrics`: sections, lines, words and syllables, with the limits we can sing.

Sections come from tags on their own line (`[Verse 2]`, `(Chorus)`, `Pre-Chorus:`, any case)
or, without tags, from blank-line stanzas, where a stanza that comes back, a refrain, or else the stanza that reads
most like a hook is the chorus (the form brings it back).

Limits (each refused with one sentence): MAX_WORDS singable words, MAX_LINES lines,
MAX_LINE_WORDS words in one line; English only (letters mostly Latin).
"""

from __future__ import annotations

import re

from nemo_widgets.engine.errors import EngineInputError
from nemo_widgets.engine.language import unsingable_language
from nemo_widgets.engine.model import Line, Lyrics, Section, SectionKind, Word
from nemo_widgets.engine.pronounce import syllabify
from nemo_widgets.engine.textnorm import expand_token, is_emoji_or_symbol, normalise_text

MAX_WORDS = 600
MAX_LINES = 120
MAX_LINE_WORDS = 24
LONE_STANZA_LINES = 8  # a single stanza longer than this is read as four-line stanzas

_KINDS: dict[str, tuple[SectionKind, str]] = {
    "intro": ("intro", "Intro"), "verse": ("verse", "Verse"), "prechorus": ("prechorus", "Pre-Chorus"),
    "chorus": ("chorus", "Chorus"), "hook": ("chorus", "Chorus"), "refrain": ("chorus", "Chorus"),
    "bridge": ("bridge", "Bridge"), "outro": ("outro", "Outro"),
}
_TAG = re.compile(
    r"^\s*(?:[\[(]\s*(?P<b>intro|verse|pre[\s-]?chorus|chorus|hook|refrain|bridge|outro)\s*(?P<bn>\d+)?[^\])]*[\])]\s*:?"
    r"|(?P<c>intro|verse|pre[\s-]?chorus|chorus|hook|refrain|bridge|outro)\s*(?P<cn>\d+)?\s*:)\s*$",
    re.IGNORECASE,
)


def parse_lyrics(text: str) -> Lyrics:
    """Parse lyrics; raises EngineInputError for empty, over-long or non-English text."""
    text = normalise_text(text)
    if not text.strip():
        raise EngineInputError("The lyrics are empty: write a few lines, or ask for an instrumental.")
    _check_language(text)
    blocks = _tagged_blocks(text) or _stanza_blocks(text)
    lines_total = sum(len(lines) for _, _, lines in blocks)
    if lines_total > MAX_LINES:
        raise EngineInputError(f"The lyrics have {lines_total} lines and the limit is {MAX_LINES}: shorten them.")
    sections = []
    for kind, label, raw_lines in blocks:
        lines = tuple(line for line in (_parse_line(raw) for raw in raw_lines) if line.words)
        if lines:
            sections.append(Section(kind=kind, label=label, lines=lines))
    lyrics = Lyrics(sections=tuple(sections), tagged=_has_tags(text))
    if not lyrics.words:
        raise EngineInputError("The lyrics have no words to sing: write a few lines, or ask for an instrumental.")
    if len(lyrics.words) > MAX_WORDS:
        raise EngineInputError(
            f"The lyrics have {len(lyrics.words)} words and the limit is {MAX_WORDS}: shorten them or split them into several songs."
        )
    return lyrics


def _check_language(text: str) -> None:
    language = unsingable_language(text)
    if language is not None:
        raise EngineInputError(
            f"These lyrics look like {language}; the voices can only sing English today: write the lyrics in English."
        )


def _tagged_blocks(text: str) -> list[tuple[SectionKind, str, list[str]]]:
    """Sections from tags; [] when the text has no tag at all. A tag alone ("[Chorus]" after the chorus was written
    once) sings that section again."""
    blocks: list[tuple[SectionKind, str, list[str]]] = []
    current: list[str] | None = None
    for raw in text.split("\n"):
        match = _TAG.match(raw)
        if match:
            name = re.sub(r"[\s-]", "", (match["b"] or match["c"]).lower())
            number = match["bn"] or match["cn"]
            kind, label = _KINDS[name]
            current = []
            blocks.append((kind, f"{label} {number}" if number else label, current))
        elif raw.strip():
            if current is None:
                current = []
                blocks.append(("verse", "Verse", current))
            current.append(raw)
    if not _has_tags(text):
        return []
    written: dict[str, list[str]] = {}
    for kind, label, lines in blocks:  # a tag with no lines under it ("[Chorus]" again) repeats that section
        if lines:
            written[label] = written[kind] = lines
        elif kind != "verse":
            lines += written.get(label) or written.get(kind) or []
    return blocks


def _has_tags(text: str) -> bool:
    return any(_TAG.match(raw) for raw in text.split("\n"))


def _stanza_blocks(text: str) -> list[tuple[SectionKind, str, list[str]]]:
    """Blank-line stanzas, one of them the chorus: a stanza that comes back, else lines that close (or open) several
    stanzas (a refrain), else the stanza that reads most like a hook. A lone stanza of four to eight lines is split
    into a verse and a chorus (a shorter one, or one that repeats a line, is all chorus)."""
    stanzas = [[ln for ln in chunk.split("\n") if ln.strip()] for chunk in re.split(r"\n\s*\n", text)]
    stanzas = [s for s in stanzas if s]
    if len(stanzas) == 1 and len(stanzas[0]) > LONE_STANZA_LINES:
        stanzas = _quatrains(stanzas[0])
    keys = [tuple(_line_key(ln) for ln in s) for s in stanzas]
    if any(keys.count(k) > 1 for k in keys):
        roles = [[("chorus" if keys.count(k) > 1 else "verse", stanza)] for stanza, k in zip(stanzas, keys)]
    elif refrain := _refrain_split(stanzas, keys):
        roles = refrain
    elif len(stanzas) == 1:
        roles = [_split_lone_stanza(stanzas[0])]
    else:
        chorus = max(range(len(stanzas)), key=lambda i: (_hook_score(stanzas[i], stanzas) + (0.2 if i else 0.0), -i))
        roles = [[("chorus" if i == chorus else "verse", stanza)] for i, stanza in enumerate(stanzas)]
    verses = sum(1 for parts in roles for kind, _ in parts if kind == "verse")
    blocks: list[tuple[SectionKind, str, list[str]]] = []
    verse_number = 0
    for kind, lines in (part for parts in roles for part in parts):
        if kind == "chorus":
            blocks.append(("chorus", "Chorus", lines))
        else:
            verse_number += 1
            blocks.append(("verse", f"Verse {verse_number}" if verses > 1 else "Verse", lines))
    return blocks


def _quatrains(lines: list[str]) -> list[list[str]]:
    """A long stanza read as four-line stanzas (a last line or two join the one before)."""
    chunks = [lines[i:i + 4] for i in range(0, len(lines), 4)]
    if len(chunks) > 1 and len(chunks[-1]) < 3:
        chunks[-2] += chunks.pop()
    return chunks


def _line_key(line: str) -> str:
    return " ".join(re.findall(r"[\w']+", line.lower()))


def _refrain_split(stanzas: list[list[str]], keys: list[tuple[str, ...]]) -> list[list[tuple[str, list[str]]]]:
    """Stanzas ending (or else starting) with the same lines split into verse and chorus; [] when none do."""
    for from_end in (True, False):
        shared = []
        for i, k in enumerate(keys):
            others = {line for j, other in enumerate(keys) if j != i for line in other}
            ordered = k[::-1] if from_end else k
            count = next((n for n, line in enumerate(ordered) if line not in others), len(k))
            shared.append(count)
        if sum(1 for n in shared if n) < 2:
            continue
        roles = []
        for stanza, n in zip(stanzas, shared):
            cut = len(stanza) - n if from_end else n
            head, tail = stanza[:cut], stanza[cut:]
            parts = [("verse", head), ("chorus", tail)] if from_end else [("chorus", head), ("verse", tail)]
            roles.append([(kind, lines) for kind, lines in parts if lines])
        return roles
    return []


def _split_lone_stanza(stanza: list[str]) -> list[tuple[str, list[str]]]:
    """Four lines or more with no line repeated: the second half is the chorus, unless the first reads much more
    like a hook."""
    keys = [_line_key(ln) for ln in stanza]
    if len(stanza) < 4 or len(set(keys)) < len(keys):
        return [("chorus", stanza)]
    half = (len(stanza) + 1) // 2
    first, second = stanza[:half], stanza[half:]
    if _hook_score(first, [stanza]) > _hook_score(second, [stanza]) + 0.5:
        return [("chorus", first), ("verse", second)]
    return [("verse", first), ("chorus", second)]


def _hook_score(stanza: list[str], song: list[list[str]]) -> float:
    """How much a stanza reads like a chorus: lines that (nearly) repeat, words that repeat, short lines, and a first
    line whose words come back in the stanza."""
    lines = [_line_key(ln).split() for ln in stanza]
    words = [w for line in lines for w in line]
    if not words:
        return 0.0

    def alike(a: list[str], b: list[str]) -> bool:
        return len(set(a) & set(b)) >= 0.6 * len(set(a) | set(b))

    repeated_lines = sum(1 for i, a in enumerate(lines) if any(alike(a, b) for j, b in enumerate(lines) if j != i))
    repeated_words = 1 - len(set(words)) / len(words)
    song_lines = [_line_key(ln).split() for s in song for ln in s]
    mean_song = sum(len(line) for line in song_lines) / len(song_lines)
    shortness = 1 - (len(words) / len(lines)) / mean_song
    title_words = {w for w in lines[0] if len(w) > 3}
    title_echo = sum(1 for line in lines[1:] for w in line if w in title_words) / max(1, len(title_words))
    return 3.0 * repeated_lines / len(lines) + 2.0 * repeated_words + shortness + 0.3 * min(1.0, title_echo)


def _parse_line(raw: str) -> Line:
    display = raw.strip()
    words = []
    for token in display.split():
        sung = expand_token(token)
        if not sung:
            continue
        text = " ".join(sung)
        syllables = syllabify(text)
        if syllables:
            words.append(Word(display=_display_token(token), text=text, syllables=syllables))
    if len(words) > MAX_LINE_WORDS:
        raise EngineInputError(
            f'The line "{display[:40]}..." has {len(words)} words and the limit is {MAX_LINE_WORDS}: break it into shorter lines.'
        )
    return Line(display=display, words=tuple(words))


def _display_token(token: str) -> str:
    """The token as shown, without emoji glued to it."""
    return "".join(c for c in token if not is_emoji_or_symbol(c)).strip() or token
