"""Supervise a bubblewrap run: the common supervisor, plus bubblewrap's status pipe, which tells a sandbox
that could not start from a command that failed, and the wait for the sandbox's pid namespace to empty."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from workers.runners.process import RunResult, result_of
from workers.runners.supervise import supervise as supervise_process


@dataclass(frozen=True)
class Supervised:
    """A finished run, plus whether bubblewrap got as far as running the command."""

    result: RunResult
    started: bool


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
    """Run a bubblewrap command line whose argv names `--json-status-fd {status_fd}`, filled in here.

    Killing bubblewrap ends everything: it runs with --die-with-parent and --unshare-pid, so its init
    process dies with it and the kernel then kills every process left in the sandbox's pid namespace,
    however the code inside tried to detach (setsid, double fork).
    """
    status_r, status_w = os.pipe()
    argv = [a.replace("{status_fd}", str(status_w)) for a in argv]
    try:
        try:
            done = supervise_process(
                argv,
                cwd,
                env,
                timeout_s=timeout_s,
                keep_bytes=keep_bytes,
                kill_after_bytes=kill_after_bytes,
                pass_fds=(status_w, *pass_fds),
            )
        finally:
            os.close(status_w)
    except BaseException:
        os.close(status_r)
        raise
    status = _read_status(status_r)
    for init_pid in [pid for st in status if isinstance(pid := st.get("child-pid"), int)]:
        _wait_namespace_empty(init_pid)
    # bubblewrap reports "child-pid" before it sets up the mounts, and "exit-code" only once the command
    # it set up has run; a run we killed ran too (a sandbox that cannot start fails in milliseconds).
    # bubblewrap exits with its command's status (128 + n for a command killed by signal n).
    started = any("exit-code" in s for s in status) or done.timed_out or done.flooded
    return Supervised(result=result_of(done, label), started=started)
