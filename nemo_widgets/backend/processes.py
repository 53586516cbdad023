"""Is the process that registered a backend still running? Backends sharing a data folder ask this at start-up,
so a new backend only fails the renders and removes the files of backends that are really gone.

A process is named by its pid and, where the system tells, its start time, so a pid reused after a
restart (common in containers) is not mistaken for the backend that once had it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessId:
    pid: int
    started: str  # the process's start time as the system reports it; "" where unknown

    @classmethod
    def current(cls) -> ProcessId:
        return cls(os.getpid(), _start_time(os.getpid()))

    def alive(self) -> bool:
        if not _pid_running(self.pid) or _stat_fields(self.pid)[:1] == ["Z"]:  # a zombie is dead, just not reaped
            return False
        return not self.started or _start_time(self.pid) in ("", self.started)


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (Linux), from the state on; [] elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rpartition(")")[2].split()
    except OSError:
        return []


def _start_time(pid: int) -> str:
    """Clock ticks since boot at which `pid` started (Linux); "" elsewhere or when unreadable."""
    fields = _stat_fields(pid)
    return fields[19] if len(fields) > 19 else ""


def _pid_running(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_running(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _windows_pid_running(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
