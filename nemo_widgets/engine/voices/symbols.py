"""Grouping a word's phoneme symbols (espeak IPA or misaki) into the syllables we sing.

The text-to-speech front ends and our pronouncing dictionary do not always agree on a
word's syllable count ("fire": one vowel run, two CMUdict syllables). The count from
our lyrics wins: extra vowel runs are merged, missing ones are made by splitting a run
or repeating its vowel, so every syllable of the lyrics is sung exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

VOWELS = frozenset("aeiouyæɐɑɒɔəɚɛɜɝɪʊʌᵻɨøœɯɤɵɘᵊɶAIOWYQː\u0303")
STRESS = frozenset("ˈˌ")
DIPHTHONGS = frozenset({"aɪ", "aʊ", "eɪ", "oʊ", "ɔɪ", "əʊ", "eə", "ɪə", "ʊə"})


@dataclass
class SyllableSymbols:
    """Indices (into the word's symbol list) of one syllable's onset, vowel and coda."""

    onset: list[int]
    nucleus: list[int]
    coda: list[int]


def is_vowel(symbol: str) -> bool:
    return bool(symbol) and all(c in VOWELS for c in symbol)


def syllable_symbols(symbols: list[str], count: int) -> tuple[list[str], list[SyllableSymbols]]:
    """Split a word's symbols into exactly `count` syllables; may repeat a vowel symbol to make one.

    Returns the (possibly extended) symbol list and the syllables' index groups.
    """
    symbols = list(symbols)
    runs = _vowel_runs(symbols)
    if not runs:
        return symbols, [SyllableSymbols([], list(range(len(symbols))), [])] if count == 1 else _spread(symbols, count)
    while len(runs) > count:
        gaps = [runs[i + 1][0] - runs[i][-1] for i in range(len(runs) - 1)]
        i = gaps.index(min(gaps))
        runs[i : i + 2] = [list(range(runs[i][0], runs[i + 1][-1] + 1))]
    while len(runs) < count:
        longest = max(range(len(runs)), key=lambda i: len(runs[i]))
        run = runs[longest]
        if len(run) > 1:
            cut = _split_point(symbols, run)
            runs[longest : longest + 1] = [run[:cut], run[cut:]]
        else:
            symbols.insert(run[0] + 1, symbols[run[0]])
            runs = [[i + (1 if i > run[0] else 0) for i in r] for r in runs]
            runs[longest : longest + 1] = [[run[0]], [run[0] + 1]]
    return symbols, _groups(symbols, runs)


def _vowel_runs(symbols: list[str]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, s in enumerate(symbols):
        if is_vowel(s):
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    return runs


def _split_point(symbols: list[str], run: list[int]) -> int:
    """Where to cut a vowel run in two: not inside a diphthong or before a length mark if possible."""
    options = []
    for cut in range(1, len(run)):
        left, right = symbols[run[cut - 1]], symbols[run[cut]]
        penalty = (2 if left + right in DIPHTHONGS else 0) + (3 if right == "ː" else 0)
        options.append((penalty, abs(cut - len(run) / 2), cut))
    return min(options)[2]


def _groups(symbols: list[str], runs: list[list[int]]) -> list[SyllableSymbols]:
    """Consonants between vowels: one goes to the next syllable's onset, a cluster is split after its first.

    A stress mark right before a vowel belongs to the nucleus: both models voice the start of the
    vowel in that token's frames, so it is sung on the note with the vowel, not before it.
    """
    groups = [SyllableSymbols([], run, []) for run in runs]
    groups[0].onset = list(range(0, runs[0][0]))
    for k in range(len(runs) - 1):
        between = list(range(runs[k][-1] + 1, runs[k + 1][0]))
        consonants = [i for i in between if symbols[i] not in STRESS]
        split = 0 if len(consonants) <= 1 else between.index(consonants[1])
        groups[k].coda = between[:split]
        groups[k + 1].onset = between[split:]
    groups[-1].coda = list(range(runs[-1][-1] + 1, len(symbols)))
    for group in groups:
        while group.onset and symbols[group.onset[-1]] in STRESS:
            group.nucleus.insert(0, group.onset.pop())
    return groups


def _spread(symbols: list[str], count: int) -> tuple[list[str], list[SyllableSymbols]]:
    """A word with no vowel symbol at all (rare): share its symbols out as evenly as possible."""
    symbols = symbols or ["ə"]
    while len(symbols) < count:
        symbols.append(symbols[-1])
    size = len(symbols) / count
    groups = [SyllableSymbols([], list(range(round(k * size), round((k + 1) * size))), []) for k in range(count)]
    return symbols, groups
