"""The protocol's routing table: what a user's words ask for, decided before any chat turn."""

from __future__ import annotations

import re
from enum import Enum


class Action(str, Enum):
    EXPORT = "export"
    CREDITS = "credits"
    STATE = "state"
    UPLOAD = "upload"
    CHAT = "chat"


_RULES: list[tuple[Action, re.Pattern[str]]] = [
    (Action.EXPORT, re.compile(r"^\s*(export|download)\b|导出|\bsend me the video\b|^\s*(render|save) (it|the video)\s*$",
                               re.IGNORECASE)),
    (Action.CREDITS, re.compile(r"^\s*(credits?|balance)\s*\??\s*$|\bhow many credits\b|积分|余额|\bmy (credits|balance)\b",
                                re.IGNORECASE)),
    (Action.STATE, re.compile(r"^\s*status\s*\??\s*$|状态|\bshow (me )?(the )?tracks\b|\bshow (me )?(the )?timeline\b",
                              re.IGNORECASE)),
    (Action.UPLOAD, re.compile(r"^\s*upload\b|上传", re.IGNORECASE)),
]


def route(text: str, has_files: bool = False) -> Action:
    """The action for a message. Lyrics (several lines) always go to the agent, whatever words they hold."""
    if has_files:
        return Action.UPLOAD
    if len([line for line in text.splitlines() if line.strip()]) > 1:
        return Action.CHAT
    for action, pattern in _RULES:
        if pattern.search(text):
            return action
    return Action.CHAT
