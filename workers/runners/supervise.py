"""Start a process, watch it, and end it: wall-clock deadline, output ceiling, whole-tree kill.

The one supervisor for every command the bot runs for a repository: sandboxed (workers/runners/sandbox/
supervise.py adds bubblewrap's status pipe) or not (workers/runners/process.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from core.logs import carry_context
from workers.runners import live_processes
from workers.runners.output_buffer import OutputBuffer


@dataclass(frozen=True)
class Finished:
    """How a supervised process ended. `exit_code` is -9 when we killed it (deadline or flood)."""

    exit_code: int
    output: str
    duration_s: float
    timed_out: bool
    flooded: bool
    output_truncated: bool


def _drain(stream: IO[bytes], buffer: OutputBuffer, kill_after: float, stop: threading.Event) -> None:
    """Read all output so the child never blocks on a full pipe; ask for a kill past the ceiling."""
    while chunk := stream.read(65536):
        buffer.add(chunk)
        if buffer.total > kill_after:
            stop.set()
            return


def _launch_and_wait(
    argv: list[str],
    kwargs: dict[str, object],
    out: list[subprocess.Popen[bytes]],
    errors: list[BaseException],
    launched: threading.Event,
    stop: threading.Event,
) -> None:
    """Start the process, then live as long as it does.

    bubblewrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that forked it exits,
    so the thread that starts the process must also be the one that waits for it.
    """
    try:
        proc = subprocess.Popen(  # type: ignore[call-overload]
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
    except BaseException as exc:
        errors.append(exc)
        launched.set()
        return
    out.append(proc)
    try:
        live_processes.add(proc.pid)
    except live_processes.RunsStopped as exc:
        errors.append(exc)
        launched.set()
        proc.wait()
        return
    launched.set()
    proc.wait()
    live_processes.discard(proc.pid)
    stop.set()


def supervise(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    *,
    timeout_s: float,
    keep_bytes: int,
    kill_after_bytes: float = float("inf"),
    pass_fds: tuple[int, ...] = (),
) -> Finished:
    """Run argv in its own session; kill its process group at the deadline or past `kill_after_bytes`.

    Raises only when the process cannot be started (OSError from exec): its own failure is a Finished.
    """
    start = time.monotonic()
    popen_kwargs = {"cwd": cwd, "env": env, "pass_fds": pass_fds}
    # Python runs signal handlers in the main thread only. Starting the process from another thread means a
    # handler that raises (Celery's soft time limit) cannot land inside Popen, after the process exists but
    # before its pid is known, and leave it running.
    started_procs: list[subprocess.Popen[bytes]] = []
    start_errors: list[BaseException] = []
    buffer, stop, launched = OutputBuffer(keep_bytes), threading.Event(), threading.Event()
    launcher = threading.Thread(
        target=carry_context(_launch_and_wait),
        args=(argv, popen_kwargs, started_procs, start_errors, launched, stop),
        daemon=True,
    )
    try:
        launcher.start()
        launched.wait()
        if start_errors:
            raise start_errors[0]
        proc = started_procs[0]
        assert proc.stdout is not None
        reader = threading.Thread(
            target=carry_context(_drain), args=(proc.stdout, buffer, kill_after_bytes, stop), daemon=True
        )
        reader.start()
        finished = stop.wait(timeout_s) and proc.poll() is not None
    finally:
        # Also after a normal exit (a test may leave daemons behind) and when the wait is interrupted (a
        # Celery soft time limit, a signal): never leave anything of it running.
        launched.wait()
        for started_proc in started_procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(started_proc.pid, signal.SIGKILL)
    flooded = buffer.total > kill_after_bytes
    proc.wait()
    # The pipe closes once every holder is gone; bound the wait in case a stray process keeps it open.
    reader.join(timeout=10)
    proc.stdout.close()
    timed_out = not finished and not flooded
    output = buffer.text()
    if flooded:
        output += f"\n[killed: output passed {int(kill_after_bytes)} bytes]\n"
    if timed_out:
        output += f"\n[killed after {timeout_s:g} s timeout]\n"
    return Finished(
        exit_code=-int(signal.SIGKILL) if timed_out or flooded else proc.returncode,
        output=output,
        duration_s=time.monotonic() - start,
        timed_out=timed_out,
        flooded=flooded,
        output_truncated=buffer.truncated,
    )
