"""Who gets an anonymous token: one client id however it is spelled, and which callers count as this machine
(they are not limited by address; everyone else gets the protocol's few tokens per address and hour)."""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Collection

LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")
TOKENS_PER_ADDRESS_HOUR = 5  # the protocol's limit for callers that are not this machine
MAX_CLIENT_ID_CHARS = 200
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}  # controls, format characters (zero-width...), spaces, separators


def normalise_client_id(header_value: str) -> str:
    """The client id as one canonical string: UTF-8 restored (headers arrive as Latin-1), Unicode NFKC, case folded,
    spaces and invisible characters removed wherever they are, so "ABC", " abc " and "a\\u200bbc" are one client."""
    try:
        text = header_value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        text = header_value
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in folded if unicodedata.category(ch) not in _INVISIBLE)


def is_local(address: str | None, networks: Collection[str] = LOOPBACK_NETWORKS) -> bool:
    """Whether a caller's address is this machine (one of `networks`; IPv4 inside IPv6 counts as IPv4). A caller
    without an address (a Unix socket) is local; an address that does not parse is not."""
    if not address:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(network) for network in networks)
