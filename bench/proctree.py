"""The processes a server started, found through ``/proc`` (Linux), to sweep leftovers.

A server's children may leave its process group (the app's embedded Redis runs
in a session of its own), so the group signal alone may miss them. Each process
is remembered with its start time, so a reused pid is never taken for it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")
Process = tuple[int, int]  # (pid, start time in clock ticks since boot)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/PID/stat`` after the command name, or None when pid is gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def _identity(pid: int) -> Process | None:
    """``(pid, start time)`` of a live process; None when gone."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] == "Z":  # a zombie has already exited
        return None
    return (pid, int(fields[19]))  # stat field 22 (starttime), counted from after the name


def _parents() -> dict[int, int]:
    """pid -> parent pid for every process visible now."""
    parents: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[Process]:
    """Every live process below ``root`` right now (not ``root`` itself)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found: list[Process] = []
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        identity = _identity(pid)
        if identity is not None:
            found.append(identity)
        pending.extend(children.get(pid, []))
    return found


def alive(processes: Iterable[Process]) -> list[Process]:
    """Those of ``processes`` that still run as the same process (pid not reused)."""
    return [p for p in processes if _identity(p[0]) == p]


def sweep(processes: Iterable[Process], grace: float = 3.0) -> int:
    """SIGTERM the survivors, SIGKILL those still there after ``grace`` s; returns how many."""
    survivors = alive(processes)
    for pid, _ in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive(survivors) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid, _ in alive(survivors):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(survivors)
