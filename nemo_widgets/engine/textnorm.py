"""Turn a lyric token into the words a singer says: numbers and symbols spelled out, emoji dropped.

The display form of every token is kept by the caller; only the sung form changes here.
"""

from __future__ import annotations

import re
import unicodedata

from num2words import num2words

SYMBOL_WORDS: dict[str, str] = {
    "&": "and", "+": "plus", "%": "percent", "@": "at", "=": "equals", "#": "number",
    "$": "dollars", "€": "euros", "£": "pounds", "°": "degrees", "×": "times",
}
QUOTE_MAP = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})

_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$", re.IGNORECASE)
_CURRENCY = re.compile(r"^([$€£])(\d+(?:[.,]\d+)?)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+(?:\.\d+)?$")
_TIMES = re.compile(r"^(\d+)x$", re.IGNORECASE)
_DECADE = re.compile(r"^'?(\d0)s$")
_ALNUM_SPLIT = re.compile(r"(\d+(?:[.,]\d+)*(?:st|nd|rd|th|s|x)?|[^\W\d_]+(?:'[^\W\d_]+)*|[&+%@=#$€£°×])", re.IGNORECASE)


def normalise_text(text: str) -> str:
    """Canonical quotes and dashes, no byte-order mark, Unix line ends."""
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").translate(QUOTE_MAP)


def is_emoji_or_symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk", "Cs", "Co", "Cn") or char in "\u200d\ufe0f"


def number_words(number: str) -> str:
    """Digits to words; a four-digit number from 1100 to 2099 reads as a year."""
    plain = number.replace(",", "")
    if "." in plain:
        return num2words(float(plain))
    value = int(plain)
    if len(plain) == 4 and 1100 <= value <= 2099 and "," not in number:
        return num2words(value, to="year")
    return num2words(value)


def sung_words(token: str) -> list[str]:
    """The words sung for one whitespace-separated token; empty when nothing in it is singable."""
    words: list[str] = []
    for piece in _ALNUM_SPLIT.findall(token):
        words.extend(_expand(piece))
    return [w for w in words if w]


def _expand(piece: str) -> list[str]:
    if piece in SYMBOL_WORDS:
        return [SYMBOL_WORDS[piece]]
    if m := _ORDINAL.match(piece):
        return [num2words(int(m[1]), to="ordinal")]
    if m := _DECADE.match(piece):
        return [num2words(int(m[1]), to="ordinal").replace("ieth", "ies").replace("tieth", "ties")]
    if m := _TIMES.match(piece):
        return [number_words(m[1]), "times"]
    if _NUMBER.match(piece):
        return [number_words(piece)]
    if piece[:1].isdigit():
        digits = re.match(r"\d+(?:[.,]\d+)*", piece)[0]
        return [number_words(digits.rstrip(".,")), *_expand(piece[len(digits):])] if digits else []
    return [piece]


def expand_token(token: str) -> list[str]:
    """Like `sung_words`, with currency and percent read in speaking order ("$5" -> "five dollars")."""
    core = token.strip(".,;:!?\"()[]{}…")
    if m := _CURRENCY.match(core):
        return [number_words(m[2].replace(",", "")), SYMBOL_WORDS[m[1]]]
    if m := _PERCENT.match(core):
        return [number_words(m[1]), "percent"]
    return sung_words(token)
