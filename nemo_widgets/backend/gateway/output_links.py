"""Signed output links: a render's MP4 fetched with a plain GET and no Authorization header, as the gateway's
clients download `outputUrl`.

A link names one render of one user and when it stops working, signed with HMAC-SHA256 under a key made once per
data folder and kept in its database (0600, shared by every backend of the folder). Anything changed in the link
(the user, the render, the expiry) breaks the signature; an expired link is refused even when its signature holds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from nemo_widgets.backend.errors import ApiError
from nemo_widgets.backend.store import Store
from nemo_widgets.protocol.names import ID_PATTERN, OUTPUT_LINK_SECONDS

KEY_NAME = "output-links"
OUTPUT_PATH = "/services/v1/render-proxy/output"  # + /{user_id}/{render_id}.mp4?expires=..&signature=..


class LinkRefused(ApiError):
    """A link that does not open its render: tampered with, expired or malformed (403, with the reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(403, reason, 403)


@dataclass(frozen=True)
class OutputLinks:
    key: bytes

    @classmethod
    def for_store(cls, store: Store) -> OutputLinks:
        return cls(store.secret(KEY_NAME))

    def _signature(self, user_id: str, render_id: str, expires: int) -> str:
        message = f"{user_id}\n{render_id}\n{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def url(self, base_url: str, user_id: str, render_id: str, now: float) -> str:
        """A link to the render's MP4 that works for OUTPUT_LINK_SECONDS from `now`."""
        expires = int(now) + OUTPUT_LINK_SECONDS
        query = urlencode({"expires": expires, "signature": self._signature(user_id, render_id, expires)})
        return f"{base_url}{OUTPUT_PATH}/{user_id}/{render_id}.mp4?{query}"

    def check(self, user_id: str, render_id: str, expires: str, signature: str, now: float) -> None:
        """Accept the link's parts or raise LinkRefused saying why (the signature is compared in constant time)."""
        if not (re.fullmatch(ID_PATTERN, user_id) and re.fullmatch(ID_PATTERN, render_id) and expires.isdigit()
                and len(expires) <= 12 and re.fullmatch(r"[0-9a-f]{64}", signature)):
            raise LinkRefused("This download link is malformed: ask for the render's status again for a new link.")
        if not hmac.compare_digest(self._signature(user_id, render_id, int(expires)), signature):
            raise LinkRefused("This download link is not valid (its signature does not match): use the link exactly "
                              "as the render's status gave it.")
        if int(expires) <= now:
            raise LinkRefused("This download link has expired: ask for the render's status again for a new link.")
