"""A sung line as the model's token sequence, each token labelled with its syllable and part."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nemo_widgets.engine.model import Phrase, Word
from nemo_widgets.engine.voices.symbols import syllable_symbols
from nemo_widgets.engine.voices.timing import NoteTime, Unit


@dataclass(frozen=True)
class LineTokens:
    ids: list[int]
    units: list[Unit]
    notes: list[NoteTime]


def line_tokens(
    phrase: Phrase,
    words: Sequence[Word],
    seconds_per_beat: float,
    word_symbols: Callable[[str], list[str]],
    symbol_ids: Callable[[str], list[int]],
    lead: list[int],
    gap: list[int],
    trail: list[int],
) -> LineTokens:
    """Tokens for the words of `phrase`; `word_symbols` is the voice's grapheme-to-phoneme for one word,
    `symbol_ids` its ids for one symbol (Piper adds a pad after each)."""
    ids: list[int] = list(lead)
    units: list[Unit] = [Unit("lead", -1)] * len(lead)
    syllable = 0
    order = list(dict.fromkeys(n.word_index for n in phrase.notes))
    for position, word_index in enumerate(order):
        count = sum(1 for n in phrase.notes if n.word_index == word_index)
        symbols, groups = syllable_symbols(word_symbols(words[word_index].text), count)
        for k, group in enumerate(groups):
            for part, members in (("onset", group.onset), ("nucleus", group.nucleus), ("coda", group.coda)):
                for i in members:
                    token = symbol_ids(symbols[i])
                    ids.extend(token)
                    units.extend([Unit(part, syllable + k)] * len(token))
        syllable += count
        if position < len(order) - 1:
            ids.extend(gap)
            units.extend([Unit("gap", syllable - 1)] * len(gap))
    ids.extend(trail)
    units.extend([Unit("trail", -1)] * len(trail))
    notes = [
        NoteTime(n.start * seconds_per_beat, (n.start + n.duration) * seconds_per_beat, n.midi) for n in phrase.notes
    ]
    return LineTokens(ids, units, notes)
