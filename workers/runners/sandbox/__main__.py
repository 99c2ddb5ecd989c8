"""`python -m workers.runners.sandbox`: check, here or in the worker's container, that the sandbox works.

Starts real sandboxes and reports what the code inside would see. Exit status 0 when every check holds.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.errors import SandboxUnavailable
from workers.runners.sandbox.bubblewrap import BubblewrapRunner
from workers.runners.sandbox.factory import sandbox_available
from workers.runners.sandbox.limits import SandboxLimits

LIMITS = SandboxLimits(cpu_s=10, memory_mb=512, max_procs=64, max_file_mb=1, wall_s=30, output_bytes=65536)

# (what is checked, shell command, what its output must satisfy)
CHECKS: list[tuple[str, str, Callable[[str], bool]]] = [
    ("runs as an unprivileged user", "id -u", lambda out: out.isdigit() and int(out) != 0),
    ("system is read-only", "touch /usr/codellama-check 2>&1", lambda out: "Read-only file system" in out),
    ("no /run (sockets, secrets)", "ls /run 2>&1", lambda out: "No such file or directory" in out),
    (
        "no network but its own loopback",
        "grep -c : /proc/net/dev",
        lambda out: out == "1",
    ),
    (
        "process limit applies",
        "prlimit --pid $$ --nproc --output=HARD --noheadings",
        lambda out: out == str(LIMITS.max_procs),
    ),
    (
        "file size limit applies",
        "prlimit --pid $$ --fsize --output=HARD --noheadings",
        lambda out: out == str(LIMITS.max_file_mb << 20),
    ),
    ("no new user namespaces", "unshare --user true 2>&1", lambda out: "Operation not permitted" in out),
    ("workspace is writable", "echo ok > probe && cat probe", lambda out: out == "ok"),
]


def main() -> int:
    ok, reason = sandbox_available()
    print(f"sandbox available: {ok} ({reason})")
    if not ok:
        return 1
    workspace = Path(tempfile.mkdtemp(prefix="codellama-sandbox-check-"))
    failures = 0
    try:
        runner = BubblewrapRunner(workspace, LIMITS)
        for what, command, check in CHECKS:
            try:
                output = runner.run(command, workspace, timeout_s=LIMITS.wall_s).output.strip()
            except SandboxUnavailable as exc:
                output = str(exc)
            passed = check(output)
            failures += not passed
            last = output.splitlines()[-1] if output else "(no output)"
            print(f"{'ok  ' if passed else 'FAIL'} {what}: {last}")
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
