"""A repository whose tests attack the worker runs in the sandbox: every attack fails or is cut off.

The attacks live in tests/fixtures/hostile_repo; the verdict comes from the host's side (files, Redis,
HTTP requests, processes), since code inside the sandbox cannot tell its private /tmp from the host's.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.conftest import FIXTURES, wait_until
from tests.stand_ins.github_server import GitHubStandIn
from workers.runners.process import LocalRunner, RunResult
from workers.runners.sandbox import BubblewrapRunner, SandboxLimits, limit_hit, sandbox_available
from workers.runners.sandbox.users import ensure_sandbox_user, grant_workspace

FIXTURE = FIXTURES / "hostile_repo"
LIMITS = SandboxLimits(
    cpu_s=60, memory_mb=1024, max_procs=64, max_file_mb=16, wall_s=60, output_bytes=200_000
)
FORK_BOUND = 3000
SECRETS = {
    "GITHUB_PRIVATE_KEY": f"-----BEGIN FAKE PRIVATE KEY----- {uuid.uuid4().hex}",
    "GITHUB_WEBHOOK_SECRET": f"webhook-{uuid.uuid4().hex}",
    "GITHUB_TOKEN": f"ghs_{uuid.uuid4().hex}",
}


@pytest.fixture(scope="module", autouse=True)
def _sandbox_must_work() -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI (apt-get install bubblewrap; run as root): {reason}"


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHubStandIn]:
    """The GitHub stand-in on loopback: the attacks try to reach it, its request log says whether they did."""
    with GitHubStandIn(tmp_path / "github") as gh:
        yield gh


@dataclass
class Host:
    """What the attacks aim at, as seen from the worker's side."""

    workspace: Path
    key_file: Path
    other_job: Path
    host_tmp_new: Path
    host_tmp_existing: Path
    site_pth: Path
    redis: redis.Redis
    redis_key: str
    github: GitHubStandIn
    abstract_socket: socket.socket

    def untouched_files(self) -> dict[Path, bytes | None]:
        paths = [
            self.key_file,
            self.other_job / "main.py",
            self.host_tmp_new,
            self.host_tmp_existing,
            self.site_pth,
            Path("/etc/codellama-escape"),
            Path("/root/codellama-escape"),
            Path("/tmp/codellama-pwned"),
        ]
        return {p: (p.read_bytes() if p.exists() else None) for p in paths}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=True)
    return done.stdout


@pytest.fixture
def host(
    tmp_path: Path, redis_server: str, github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Host]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REDIS_URL", redis_server)
    workspace = tmp_path / "job-1"
    shutil.copytree(FIXTURE, workspace)
    _git(workspace, "init", "-q")
    _git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "hostile")
    key_file = tmp_path / "github-app.pem"
    key_file.write_text(SECRETS["GITHUB_PRIVATE_KEY"])
    key_file.chmod(0o644)  # readable by anyone: only the mount layout can keep it out
    other_job = tmp_path / "job-2"
    other_job.mkdir()
    (other_job / "main.py").write_text("print('another job')\n")
    grant_workspace(other_job, ensure_sandbox_user())  # as a real concurrent job's workspace would be
    marker = uuid.uuid4().hex
    host_tmp_existing = Path(f"/tmp/codellama-host-{marker}")
    host_tmp_existing.write_text("host file\n")
    host_tmp_existing.chmod(0o666)
    site_pth = Path(
        sys.prefix,
        "lib",
        f"python{sys.version_info.major}.{sys.version_info.minor}",
        "site-packages",
        f"codellama-escape-{marker}.pth",
    )
    abstract_name = f"codellama-test-{marker}"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind("\0" + abstract_name)
    listener.listen(8)
    client = redis.Redis.from_url(f"{redis_server}/0")
    state = Host(
        workspace,
        key_file,
        other_job,
        Path(f"/tmp/codellama-escape-{marker}"),
        host_tmp_existing,
        site_pth,
        client,
        f"codellama-escaped-{marker}",
        github,
        listener,
    )
    (workspace / "targets.json").write_text(
        json.dumps(
            {
                "key_file": str(key_file),
                "redis_port": client.connection_pool.connection_kwargs["port"],
                "redis_key": state.redis_key,
                "github_url": github.api_url,
                "abstract_socket": abstract_name,
                "git_dir": str(workspace / ".git"),
                "fork_bound": FORK_BOUND,
                "write_targets": [
                    str(p) for p in state.untouched_files() if p != Path("/tmp/codellama-pwned")
                ],
            }
        )
    )
    yield state
    listener.close()
    client.delete(state.redis_key)
    client.close()
    for path in (state.host_tmp_new, host_tmp_existing, site_pth):
        path.unlink(missing_ok=True)


def _pytest(host: Host, selection: str) -> RunResult:
    runner = BubblewrapRunner(host.workspace, LIMITS)
    command = f"python -m pytest -p no:cacheprovider -s -q -k '{selection}' {host.workspace}/attacks.py"
    return runner.run(command, host.workspace, timeout_s=LIMITS.wall_s)


def _processes_running(needle: str) -> list[int]:
    """Host pids whose command line mentions `needle` (the workspace path is unique to one test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_attacks_on_secrets_services_files_and_git_all_fail(host: Host) -> None:
    before = host.untouched_files()
    git_config = (host.workspace / ".git" / "config").read_bytes()
    result = _pytest(host, "not fork_bomb and not flood_output and not kill_every_process")
    assert not result.timed_out, result.output
    # The attacks that can see their own failure saw it. The write attack cannot: its writes to /tmp land
    # in the sandbox's private /tmp and look successful from inside, so only the host can judge it.
    attacks = ("steal_environment", "steal_key_file", "reach_redis", "reach_http", "reach_unix_sockets")
    for attack in (*attacks, "take_over_git"):
        assert f"FAILED attacks.py::test_{attack} " in result.output, result.output
    assert "ATTACK write: /etc/codellama-escape: Read-only file system" in result.output
    for secret in (*SECRETS.values(), "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "GITHUB_TOKEN"):
        assert secret not in result.output
    assert "REDIS_URL" not in result.output
    assert re.search(r"ATTACK redis: \d+: .*Connection refused", result.output), result.output
    # The host's view: nothing written, nothing set, nothing requested.
    assert host.untouched_files() == before
    assert host.redis.get(host.redis_key) is None
    assert host.github.requests == []
    host.abstract_socket.setblocking(False)
    with pytest.raises(BlockingIOError):
        host.abstract_socket.accept()  # nobody connected to the host's abstract unix socket
    assert (host.workspace / ".git" / "config").read_bytes() == git_config
    assert not (host.workspace / ".git" / "hooks" / "pre-commit").exists()
    assert not (host.workspace / "old-git").exists()
    # And the worker's own git, as root, still works on the workspace the sandbox user wrote to.
    assert "hostile" in _git(host.workspace, "log", "--oneline")
    assert _processes_running(str(host.workspace)) == []


def test_fork_bomb_stops_at_the_process_limit(host: Host) -> None:
    result = _pytest(host, "fork_bomb")
    forked = re.search(r"ATTACK fork: forked (\d+)", result.output)
    assert forked, result.output
    assert int(forked.group(1)) < LIMITS.max_procs < FORK_BOUND
    assert "ATTACK fork: stopped by Resource temporarily unavailable" in result.output
    assert re.search(r"\b1 failed\b", result.output), result.output
    wait_until(lambda: _processes_running(str(host.workspace)) == [], 10, "the fork bomb's processes to go")


def test_printing_gigabytes_is_cut_off(host: Host) -> None:
    result = _pytest(host, "flood_output")
    assert result.output_truncated and not result.timed_out
    assert result.exit_code != 0
    assert f"[killed: output passed {LIMITS.output_kill_bytes} bytes]" in result.output
    assert "ATTACK flood: wrote" not in result.output
    assert len(result.output.encode()) < LIMITS.output_bytes + 1000
    assert limit_hit(result) == "output size limit"
    wait_until(lambda: _processes_running(str(host.workspace)) == [], 10, "the flooding process to go")


def test_the_attacks_work_when_nothing_stops_them(host: Host) -> None:
    # Guards the tests above against passing vacuously: without the sandbox, the harmless attacks (read
    # the key file, call the loopback server) succeed.
    command = "python -m pytest -p no:cacheprovider -s -q -k 'steal_key_file or reach_http' attacks.py"
    result = LocalRunner().run(command, host.workspace, timeout_s=60)
    assert re.search(r"\b2 passed\b", result.output), result.output
    assert SECRETS["GITHUB_PRIVATE_KEY"] in result.output
    assert [path for _, path, _ in host.github.requests] == ["/rate_limit"]


def test_killing_every_process_reaches_only_the_sandbox(host: Host) -> None:
    # Another job's test, running on the host as the same sandbox user: kill(-1) from inside must miss it.
    user = ensure_sandbox_user()
    bystander = subprocess.Popen(
        ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups", "sleep", "600"],
        cwd="/",
    )
    try:
        wait_until(lambda: _uid_of(bystander.pid) == user.uid, 10, "the bystander to run as the sandbox user")
        result = _pytest(host, "kill_every_process")
        assert not result.timed_out
        assert "ATTACK kill: sending SIGKILL to -1" in result.output, result.output
        assert bystander.poll() is None, "a process outside the sandbox was killed from inside it"
    finally:
        bystander.kill()
        bystander.wait(timeout=10)
    wait_until(lambda: _processes_running(str(host.workspace)) == [], 10, "the sandbox's processes to go")


def _uid_of(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return int(status.split("Uid:")[1].split()[0])
