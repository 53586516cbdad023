"""Which backend owns work in flight, and whether that backend is gone.

Notebooks may share one data folder, so start-up recovery must touch only the work of backends that died. An owner
is the backend's process id plus a random instance id: its work is orphaned when that process no longer exists, or
when it is this very process but the instance is not open here (a restarted backend got the same pid, or a backend
run on a thread of this process has closed).
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

_OPEN: set[str] = set()  # instances of the backends open in this process


@dataclass(frozen=True)
class Owner:
    pid: int
    instance: str


def open_owner() -> Owner:
    """A new backend instance of this process, alive until `close_owner`."""
    owner = Owner(os.getpid(), secrets.token_hex(8))
    _OPEN.add(owner.instance)
    return owner


def close_owner(owner: Owner) -> None:
    _OPEN.discard(owner.instance)


def is_gone(pid: int, instance: str) -> bool:
    """True when the backend that recorded (`pid`, `instance`) can no longer finish its work."""
    if pid == os.getpid():
        return instance not in _OPEN
    return not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill would terminate the process there
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists, it is someone else's
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is someone else's
        pass
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed process that its parent has not reaped yet still answers os.kill; Linux shows it in state Z."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
