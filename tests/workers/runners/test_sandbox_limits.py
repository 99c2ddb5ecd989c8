"""Each resource limit of the sandbox, exercised with real bubblewrap and real processes."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import SandboxUnavailable
from tests.conftest import wait_until
from workers.runners.process import RunResult
from workers.runners.sandbox import BubblewrapRunner, SandboxLimits, limit_hit, sandbox_available

LIMITS = SandboxLimits(cpu_s=30, memory_mb=512, max_procs=64, max_file_mb=1, wall_s=60, output_bytes=20_000)


@pytest.fixture(scope="module", autouse=True)
def _sandbox_must_work() -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI (apt-get install bubblewrap; run as root): {reason}"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "job"
    path.mkdir()
    return path


def _run(
    workspace: Path,
    command: str,
    limits: SandboxLimits = LIMITS,
    *,
    timeout_s: float = 30,
    network: bool = False,
    output_limit: int = 1_000_000,
) -> RunResult:
    runner = BubblewrapRunner(workspace, limits)
    return runner.run(command, workspace, timeout_s=timeout_s, network=network, output_limit=output_limit)


def _pids_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_passing_and_a_failing_command_give_their_exit_codes(workspace: Path) -> None:
    ok = _run(workspace, "echo hello from $(id -un); pwd")
    assert ok.ok and ok.exit_code == 0 and limit_hit(ok) is None
    assert f"hello from codellama-sandbox\n{workspace}\n" in ok.output
    failing = _run(workspace, "echo broken >&2; exit 3")
    assert failing.exit_code == 3 and not failing.ok and "broken" in failing.output
    assert limit_hit(failing) is None


def test_python_and_pytest_of_the_worker_work_inside(workspace: Path) -> None:
    (workspace / "test_ok.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
    result = _run(workspace, "python -m pytest -q -p no:cacheprovider test_ok.py")
    assert result.ok, result.output
    assert "1 passed" in result.output


def test_only_the_workspace_and_private_tmp_are_writable(workspace: Path) -> None:
    (workspace / "existing.txt").write_text("from the worker\n")
    result = _run(
        workspace,
        "echo more >> existing.txt && mkdir -p build && echo x > build/out && echo t > /tmp/t "
        "&& cat /tmp/t; touch /usr/x /etc/x / 2>&1; ls /run /var/run /home 2>&1",
    )
    assert (workspace / "existing.txt").read_text() == "from the worker\nmore\n"
    assert (workspace / "build" / "out").read_text() == "x\n"
    assert result.output.count("Read-only file system") >= 2
    assert "ls: cannot access '/run'" in result.output
    assert "ls: cannot access '/home'" in result.output


def test_timeout_kills_every_descendant_even_detached_ones(workspace: Path) -> None:
    marker = f"codellama-sleeper-{uuid.uuid4().hex}"
    # Three sleepers: a child, a grandchild in its own session (setsid), and an orphan (double fork).
    (workspace / "spawn.sh").write_text(
        f"python -c 'import time; time.sleep(300)' {marker} &\n"
        f"setsid python -c 'import time; time.sleep(300)' {marker} &\n"
        f"(python -c 'import time; time.sleep(300)' {marker} &)\n"
        "touch started\n"
        "wait\n"
    )
    command = "sh spawn.sh"
    results: list[RunResult] = []
    thread = threading.Thread(target=lambda: results.append(_run(workspace, command, timeout_s=4)))
    thread.start()
    try:
        wait_until(lambda: (workspace / "started").exists(), 4, "the command to start its sleepers")
        wait_until(lambda: len(_pids_with(marker)) == 3, 4, "three sleepers to run")
    finally:
        thread.join(timeout=30)
    assert results and results[0].timed_out and results[0].exit_code == -9
    assert "[killed after 4 s timeout]" in results[0].output
    assert limit_hit(results[0]) == "wall-clock time limit"
    wait_until(lambda: _pids_with(marker) == [], 10, "every sleeper to be killed")


def test_memory_limit(workspace: Path) -> None:
    limits = SandboxLimits(
        cpu_s=30, memory_mb=256, max_procs=64, max_file_mb=1, wall_s=60, output_bytes=20_000
    )
    result = _run(workspace, "python -c 'b = bytearray(1024 * 1024 * 1024); print(len(b))'", limits)
    assert result.exit_code != 0 and not result.timed_out
    assert "MemoryError" in result.output
    assert limit_hit(result) == "memory limit"


def test_file_size_limit(workspace: Path) -> None:
    script = "open('big', 'wb').write(b'x' * (4 * 1024 * 1024))"
    result = _run(workspace, f'python -c "{script}"')
    assert result.exit_code != 0
    assert "File too large" in result.output
    assert limit_hit(result) == "file size limit"
    assert (workspace / "big").stat().st_size <= LIMITS.max_file_mb * 1024 * 1024


def test_cpu_limit_stops_a_spinning_process_before_the_wall_clock(workspace: Path) -> None:
    limits = SandboxLimits(
        cpu_s=1, memory_mb=512, max_procs=64, max_file_mb=1, wall_s=60, output_bytes=20_000
    )
    result = _run(workspace, "python -c 'while True: pass'", limits, timeout_s=60)
    assert not result.timed_out
    assert result.exit_code == 128 + 24  # SIGXCPU
    assert limit_hit(result) == "CPU time limit"


def test_process_limit(workspace: Path) -> None:
    limits = SandboxLimits(
        cpu_s=30, memory_mb=512, max_procs=16, max_file_mb=1, wall_s=60, output_bytes=20_000
    )
    script = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while n < 500:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(60); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print('stopped:', exc.strerror)\n"
        "print('forked', n)\n"
    )
    (workspace / "forks.py").write_text(script)
    result = _run(workspace, "python forks.py", limits)
    assert "stopped: Resource temporarily unavailable" in result.output
    forked = int(result.output.split("forked ")[1].split()[0])
    assert forked < limits.max_procs
    assert limit_hit(result) is None  # the script caught the refusal and went on: not the run's end


def test_output_keeps_its_beginning_and_end(workspace: Path) -> None:
    result = _run(workspace, "echo FIRST; yes middle | head -c 200000; echo; echo LAST", output_limit=4000)
    assert result.ok and result.output_truncated
    assert result.output.startswith("FIRST\n")
    assert result.output.rstrip().endswith("LAST")
    assert "bytes of output omitted" in result.output
    assert len(result.output) < 4200


def test_no_network_by_default_and_loopback_when_asked(workspace: Path) -> None:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        (workspace / "fetch.py").write_text(
            "import sys, urllib.request\n"
            f"print(urllib.request.urlopen('{url}/' + sys.argv[1], timeout=5).status)\n"
        )
        fetch = "python fetch.py {}"
        offline = _run(workspace, fetch.format("tests"))
        online = _run(workspace, fetch.format("setup"), network=True)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert offline.exit_code != 0 and "Connection refused" in offline.output
    assert online.ok and "204" in online.output, online.output
    assert seen == ["/setup"]


def test_a_sandbox_that_cannot_start_is_an_error_not_a_result(workspace: Path, tmp_path: Path) -> None:
    runner = BubblewrapRunner(workspace, LIMITS, extra_ro_binds=[tmp_path / "does-not-exist"])
    with pytest.raises(
        SandboxUnavailable,
        match=r"bubblewrap could not start the sandbox \(exit 1\): bwrap: Can't find source",
    ):
        runner.run("true", workspace, timeout_s=10)


def test_cwd_outside_the_workspace_is_refused(workspace: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the sandbox workspace"):
        BubblewrapRunner(workspace, LIMITS).run("true", tmp_path, timeout_s=10)


class _Interrupted(Exception):
    pass


def test_an_interrupted_run_still_kills_the_sandbox(workspace: Path) -> None:
    # Celery's soft time limit arrives as a signal whose handler raises inside whatever the task is doing.
    marker = f"codellama-interrupted-{uuid.uuid4().hex}"

    def interrupt() -> None:
        wait_until(lambda: _pids_with(marker), 10, "the sandboxed sleeper to start")
        os.kill(os.getpid(), signal.SIGUSR1)

    def raise_interrupted(signum: int, frame: object) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGUSR1, raise_interrupted)
    sender = threading.Thread(target=interrupt, daemon=True)
    try:
        sender.start()
        with pytest.raises(_Interrupted):
            _run(workspace, f"python -c 'import time; time.sleep(300)' {marker}", timeout_s=60)
    finally:
        signal.signal(signal.SIGUSR1, previous)
        sender.join(timeout=15)
    wait_until(lambda: _pids_with(marker) == [], 10, "the sleeper to be killed")


def test_no_user_namespaces_and_no_risky_kernel_interfaces_inside(workspace: Path) -> None:
    # This kernel lets the same user create user namespaces outside the sandbox; inside, the filter says no.
    (workspace / "syscalls.py").write_text(
        "import ctypes, os, platform\n"
        "from workers_seccomp_numbers import NUMBERS\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "for name, (nr, arg) in NUMBERS[platform.machine()].items():\n"
        "    rc = libc.syscall(nr, arg, 0, 0, 0)\n"
        "    print(name, rc, os.strerror(ctypes.get_errno()) if rc < 0 else 'ok')\n"
    )
    numbers = {
        "x86_64": {
            "keyctl": (250, 0),
            "bpf": (321, 0),
            "io_uring_setup": (425, 0),
            "userns": (272, 0x10000000),
        },
        "aarch64": {
            "keyctl": (219, 0),
            "bpf": (280, 0),
            "io_uring_setup": (425, 0),
            "userns": (97, 0x10000000),
        },
    }
    (workspace / "workers_seccomp_numbers.py").write_text(f"NUMBERS = {numbers!r}\n")
    result = _run(workspace, "unshare --user true; echo unshare=$?; python syscalls.py")
    assert result.ok, result.output
    assert "unshare=1" in result.output
    for name in ("keyctl", "bpf", "io_uring_setup", "userns"):
        assert f"{name} -1 Operation not permitted" in result.output, result.output


def test_threads_and_subprocesses_still_work_under_the_filter(workspace: Path) -> None:
    # clone3 answers ENOSYS, so glibc falls back to clone, whose flags the filter can read.
    script = (
        "import subprocess, threading\n"
        "t = threading.Thread(target=print, args=('thread ok',)); t.start(); t.join()\n"
        "print(subprocess.run(['echo', 'child ok'], capture_output=True, text=True).stdout.strip())\n"
    )
    (workspace / "spawn_all.py").write_text(script)
    result = _run(workspace, "python spawn_all.py")
    assert result.ok and "thread ok" in result.output and "child ok" in result.output, result.output


def test_jvms_are_sized_to_the_memory_limit_not_the_machine() -> None:
    limits = SandboxLimits(cpu_s=1, memory_mb=1536, max_procs=8, max_file_mb=1, wall_s=1, output_bytes=1)
    options = limits.jvm_options().split()
    assert "-XX:MaxRAM=1536m" in options
    assert any(o.startswith("-XX:CompressedClassSpaceSize=") for o in options)
