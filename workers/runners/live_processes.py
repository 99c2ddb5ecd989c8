"""The process groups this worker process is supervising right now, so that a stopped job can kill them all.

A hand-back (SIGTERM) ends the whole pool process, and test runs in candidate threads die with it; a
`/codellama stop` ends only the job, so the runs in flight must be killed here, and none may start after.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

_lock = threading.Lock()
_groups: set[int] = set()
_refusing = False


class RunsStopped(RuntimeError):
    """A command was about to start after its job was stopped."""


def add(pid: int) -> None:
    """Register a process group leader; raises RunsStopped (and kills it) when the job is stopping."""
    with _lock:
        if not _refusing:
            _groups.add(pid)
            return
    _kill(pid)
    raise RunsStopped("the job was stopped; no more commands run for it")


def discard(pid: int) -> None:
    with _lock:
        _groups.discard(pid)


def kill_all_and_refuse() -> int:
    """SIGKILL every registered process group and refuse new ones until `accept`; how many were killed."""
    global _refusing
    with _lock:
        _refusing = True
        groups = tuple(_groups)
    for pid in groups:
        _kill(pid)
    return len(groups)


def accept() -> None:
    """A new job starts in this process: commands may run again."""
    global _refusing
    with _lock:
        _refusing = False


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
