"""Start the sandbox, watch it, and end it: wall-clock deadline, output ceiling, whole-tree kill."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from workers.runners.output_buffer import OutputBuffer
from workers.runners.process import RunResult


@dataclass(frozen=True)
class Supervised:
    """A finished run, plus whether bubblewrap got as far as running the command."""

    result: RunResult
    started: bool


def _drain(stream: IO[bytes], buffer: OutputBuffer, kill_after: int, stop: threading.Event) -> None:
    """Read all output so the sandbox never blocks on a full pipe; ask for a kill past the ceiling."""
    while chunk := stream.read(65536):
        buffer.add(chunk)
        if buffer.total > kill_after:
            stop.set()
            return


def _read_status(fd: int) -> list[dict[str, object]]:
    """bubblewrap's --json-status-fd stream: one JSON object when the command starts, one when it exits."""
    with os.fdopen(fd, "rb") as stream:
        data = stream.read().decode("utf-8", errors="replace")
    objects, decoder, pos = [], json.JSONDecoder(), 0
    while pos < len(data):
        while pos < len(data) and data[pos].isspace():
            pos += 1
        if pos == len(data):
            break
        try:
            obj, pos = decoder.raw_decode(data, pos)
        except json.JSONDecodeError:
            break
        if isinstance(obj, dict):
            objects.append(obj)
    return objects


def _wait_namespace_empty(init_pid: int, timeout_s: float = 10.0) -> None:
    """Wait until the sandbox's init has exited (gone or a zombie).

    The kernel lets a pid namespace's init finish exiting only after every other process in the namespace
    has been killed and reaped, so afterwards nothing of the run is left to race with the worker's next
    step on the workspace.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{init_pid}/stat").read_text()
        except OSError:
            return
        # Field 3, after the parenthesised command name, is the state.
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return
        time.sleep(0.002)


def _launch_and_wait(
    argv: list[str],
    kwargs: dict[str, object],
    out: list[subprocess.Popen[bytes]],
    errors: list[BaseException],
    launched: threading.Event,
    stop: threading.Event,
) -> None:
    """Start bubblewrap, then live as long as it does.

    bubblewrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that forked it exits,
    so the thread that starts the sandbox must also be the one that waits for it.
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
    launched.set()
    proc.wait()
    stop.set()


def supervise(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    *,
    timeout_s: float,
    keep_bytes: int,
    kill_after_bytes: int,
    label: str,
    pass_fds: tuple[int, ...] = (),
) -> Supervised:
    """Run a bubblewrap command line whose argv names `--json-status-fd {fd}` where fd is filled in here.

    Killing bubblewrap ends everything: it runs with --die-with-parent and --unshare-pid, so its init
    process dies with it and the kernel then kills every process left in the sandbox's pid namespace,
    however the code inside tried to detach (setsid, double fork).
    """
    status_r, status_w = os.pipe()
    argv = [a.replace("{status_fd}", str(status_w)) for a in argv]
    start = time.monotonic()
    popen_kwargs = {"cwd": cwd, "env": env, "pass_fds": (status_w, *pass_fds)}
    # Python runs signal handlers in the main thread only. Starting bubblewrap from another thread means a
    # handler that raises (Celery's soft time limit) cannot land inside Popen, after the sandbox exists but
    # before its pid is known, and leave it running.
    started_procs: list[subprocess.Popen[bytes]] = []
    start_errors: list[BaseException] = []
    buffer, stop, launched = OutputBuffer(keep_bytes), threading.Event(), threading.Event()
    launcher = threading.Thread(
        target=_launch_and_wait,
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
            target=_drain, args=(proc.stdout, buffer, kill_after_bytes, stop), daemon=True
        )
        reader.start()
        finished = stop.wait(timeout_s) and proc.poll() is not None
    except BaseException:
        os.close(status_r)
        raise
    finally:
        # Also when the wait is interrupted (a Celery soft time limit, a signal): never leave it running.
        launched.wait()
        os.close(status_w)
        for started_proc in started_procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(started_proc.pid, signal.SIGKILL)
    flooded = buffer.total > kill_after_bytes
    proc.wait()
    # The pipe closes once the kernel has reaped the namespace; bound the wait in case it does not.
    reader.join(timeout=10)
    proc.stdout.close()
    status = _read_status(status_r)
    for init_pid in [pid for st in status if isinstance(pid := st.get("child-pid"), int)]:
        _wait_namespace_empty(init_pid)
    # bubblewrap reports "child-pid" before it sets up the mounts, and "exit-code" only once the command
    # it set up has run; a run we killed ran too (a sandbox that cannot start fails in milliseconds).
    started = any("exit-code" in s for s in status) or not finished or flooded
    timed_out = not finished and not flooded
    output = buffer.text()
    if flooded:
        output += f"\n[killed: output passed {kill_after_bytes} bytes]\n"
    if timed_out:
        output += f"\n[killed after {timeout_s:g} s timeout]\n"
    # bubblewrap exits with its command's status (128 + n for a command killed by signal n).
    exit_code = -int(signal.SIGKILL) if timed_out or flooded else proc.returncode
    result = RunResult(
        command=label,
        exit_code=exit_code,
        output=output,
        duration_s=time.monotonic() - start,
        timed_out=timed_out,
        output_truncated=buffer.truncated,
    )
    return Supervised(result=result, started=started)
