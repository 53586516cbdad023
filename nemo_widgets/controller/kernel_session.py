"""The kernel's one song session, shared by the studio widget and the magics.

Each event loop keeps its own client (the widget's on the kernel's loop, the magics' on
the background loop), and all of them name the same session on the backend.
"""

from __future__ import annotations

import threading

from nemo_widgets.controller.blocking import Session

_lock = threading.Lock()
_session_id: str | None = None
_blocking: Session | None = None


def current_session_id() -> str | None:
    return _session_id


def remember_session(session_id: str | None) -> None:
    global _session_id
    if session_id:
        _session_id = session_id


def blocking_session() -> Session:
    """The magics' blocking Session, on the kernel's current session (started on first use)."""
    global _blocking
    with _lock:
        if _blocking is None:
            _blocking = Session(session_id=_session_id)
        elif _session_id and _blocking.session_id != _session_id:
            _blocking.async_session.client.use_session(_session_id)
    remember_session(_blocking.session_id)
    return _blocking
