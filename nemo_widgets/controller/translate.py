"""Backend replies are written for a GUI; this tool has none. Rewrite GUI directions into what it offers."""

from __future__ import annotations

import re

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(click|press|hit|tap)( on)?( the)? \"?export\"?( button)?", re.IGNORECASE),
     "export it (the Export button, `%nemo export` or `session.export()`)"),
    (re.compile(r"(点击)?导出(按钮)?"), "export (the Export button or `%nemo export`)"),
    (re.compile(r"\b(click|press|hit|tap)( on)?( the)? \"?([\w ]+?)\"?( button)\b", re.IGNORECASE),
     r"ask for \4 in a message"),
    (re.compile(r"点击"), "ask in a message for "),
    (re.compile(r"\bopen( the)? ([\w ]+?) (panel|tab|window|menu)\b", re.IGNORECASE),
     r"check the \2 with `%nemo status`"),
    (re.compile(r"打开"), "check with `%nemo status` "),
    (re.compile(r"\bdrag(ging)?( and drop)?\b[^.]*?\b(onto|into|to) the (timeline|track)\b", re.IGNORECASE),
     "describe the change in a message"),
    (re.compile(r"拖拽|拖动"), "describe the change in a message"),
    (re.compile(r"\bpreview (it )?in the timeline\b", re.IGNORECASE), "see the tracks with `%nemo tracks`"),
]


def translate(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
