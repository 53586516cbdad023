"""Lyric text to `Lyrics`: sections, lines, words and syllables, with the limits we can sing.

Sections come from tags on their own line (`[Verse 2]`, `(Chorus)`, `Pre-Chorus:`, any case)
or, without tags, from blank-line stanzas, where a stanza that comes back is the chorus.

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
    lyrics = Lyrics(sections=tuple(sections))
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
    """Sections from tags; [] when the text has no tag at all."""
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
    return blocks if any(_TAG.match(raw) for raw in text.split("\n")) else []


def _stanza_blocks(text: str) -> list[tuple[SectionKind, str, list[str]]]:
    """Blank-line stanzas: one that comes back is the chorus, the others are numbered verses."""
    stanzas = [[ln for ln in chunk.split("\n") if ln.strip()] for chunk in re.split(r"\n\s*\n", text)]
    stanzas = [s for s in stanzas if s]
    keys = [tuple(ln.strip().lower() for ln in s) for s in stanzas]
    repeated = {k for k in keys if keys.count(k) > 1}
    verses = sum(1 for k in keys if k not in repeated)
    blocks: list[tuple[SectionKind, str, list[str]]] = []
    verse_number = 0
    for stanza, key in zip(stanzas, keys):
        if key in repeated:
            blocks.append(("chorus", "Chorus", stanza))
        else:
            verse_number += 1
            blocks.append(("verse", f"Verse {verse_number}" if verses > 1 else "Verse", stanza))
    return blocks


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
