"""What things cost, in credits, and the balance as both dialects show it. An anonymous token starts with 100
(store.ANONYMOUS_CREDITS)."""

from __future__ import annotations

from typing import Any

from nemo_widgets.backend.store import Credits

GENERATE_SONG = 20  # a new song from lyrics: composing, singing, band, master
NEW_VERSION = 10  # the same lyrics and style again with another seed
DRAFT_EDIT = 0  # aspect ratio, title, lyrics overlay: the timeline changes, no audio is made
EXPORT = 0  # rendering the MP4 is free, as in the cloud


def price_list() -> dict[str, int]:
    """The prices by what the user asks for, sent with the balance so front ends can show a cost before a click."""
    return {"generate_song": GENERATE_SONG, "new_version": NEW_VERSION, "draft_edit": DRAFT_EDIT, "export": EXPORT}


def balance_fields(credits: Credits) -> dict[str, Any]:
    """The balance as both dialects show it (`total` is what was granted), with this backend's prices."""
    return {"available": credits.available, "frozen": credits.frozen, "total": credits.total_granted,
            "total_granted": credits.total_granted, "total_consumed": credits.total_consumed, "prices": price_list()}
