"""The sandbox's pure parts: the bubblewrap command line, the limits, the bounded output."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from workers.runners.output_buffer import OutputBuffer
from workers.runners.sandbox.limits import SandboxLimits
from workers.runners.sandbox.mounts import Layout, bwrap_argv
from workers.runners.sandbox.seccomp import ARCHES, filter_program
from workers.runners.sandbox.users import SandboxUser

LIMITS = SandboxLimits(cpu_s=10, memory_mb=256, max_procs=32, max_file_mb=8, wall_s=20, output_bytes=1000)
USER = SandboxUser(name="codellama-sandbox", uid=999, gid=995)
LAYOUT = Layout(
    system={"usr": None, "etc": None, "bin": "usr/bin"},
    ro_binds=[Path("/root/.pyenv/versions/3.11.7"), Path("/usr/local/lib")],
    git_paths=[Path("/srv/jobs/7/repo/.git")],
)


def _argv(network: bool = False) -> list[str]:
    workspace = Path("/srv/jobs/7/repo")
    return bwrap_argv(
        "pytest -q",
        workspace=workspace,
        cwd=workspace / "src",
        layout=LAYOUT,
        limits=LIMITS,
        user=USER,
        network=network,
    )


def _pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_network_is_unshared_unless_asked_for() -> None:
    assert "--unshare-net" in _argv()
    assert "--unshare-net" not in _argv(network=True)
    for flag in ("--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session"):
        assert flag in _argv(network=True)
    # Never a user namespace: the kernel would then ignore the process limit for the mapped root.
    assert "--unshare-user" not in _argv() and "--unshare-all" not in _argv()


def test_only_the_workspace_is_bound_writable_and_git_is_read_only_over_it() -> None:
    argv = _argv()
    assert _pairs(argv, "--bind") == ["/srv/jobs/7/repo"]
    assert _pairs(argv, "--ro-bind") == [
        "/usr",
        "/etc",
        "/root/.pyenv/versions/3.11.7",
        "/srv/jobs/7/repo/.git",
    ]
    assert argv.index("--bind") < len(argv) - argv[::-1].index("/srv/jobs/7/repo/.git")
    assert _pairs(argv, "--symlink") == ["usr/bin"]
    assert _pairs(argv, "--tmpfs") == ["/tmp", "/dev/shm", "/var/tmp"]
    assert _pairs(argv, "--chdir") == ["/srv/jobs/7/repo/src"]


def test_directories_leading_to_mounts_are_made_traversable() -> None:
    # /root is 0700 on the host; bubblewrap would copy that and lock the sandbox user out of Python.
    made = _pairs(_argv(), "--dir")
    assert made == [
        "/var",
        "/root",
        "/root/.pyenv",
        "/root/.pyenv/versions",
        "/srv",
        "/srv/jobs",
        "/srv/jobs/7",
    ]
    argv = _argv()
    assert all(argv[i - 2 : i] == ["--perms", "0755"] for i, a in enumerate(argv) if a == "--dir")


def test_the_command_drops_to_the_user_with_limits_before_running() -> None:
    argv = _argv()
    tail = argv[argv.index("setpriv") :]
    assert tail[:8] == [
        "setpriv",
        "--reuid=999",
        "--regid=995",
        "--clear-groups",
        "--no-new-privs",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
    ]
    assert tail[8] == "prlimit"
    assert "--nproc=32" in tail and f"--as={256 * 1024 * 1024}" in tail and "--cpu=10:11" in tail
    assert f"--fsize={8 * 1024 * 1024}" in tail
    assert tail[-3:] == ["/bin/sh", "-c", "pytest -q"]


def test_limits_must_be_positive() -> None:
    with pytest.raises(ConfigurationError, match="max_procs must be positive"):
        SandboxLimits(cpu_s=1, memory_mb=1, max_procs=0, max_file_mb=1, wall_s=1, output_bytes=1)


def test_output_buffer_keeps_everything_under_the_limit() -> None:
    buffer = OutputBuffer(100)
    for chunk in (b"a" * 30, b"b" * 30, b"c" * 40):
        buffer.add(chunk)
    assert not buffer.truncated
    assert buffer.text() == "a" * 30 + "b" * 30 + "c" * 40


def test_output_buffer_keeps_head_and_tail_over_the_limit() -> None:
    buffer = OutputBuffer(100)
    buffer.add(b"HEAD" + b"x" * 46)
    for _ in range(1000):
        buffer.add(b"y" * 97)
    buffer.add(b"z" * 46 + b"TAIL")
    text = buffer.text()
    assert buffer.truncated
    assert text.startswith("HEAD" + "x" * 46 + "\n[... ")
    assert text.endswith("\n" + "z" * 46 + "TAIL")
    assert f"[... {50 + 97_000 + 50 - 100} bytes of output omitted; 100 bytes kept ...]" in text


def test_output_buffer_does_not_break_on_split_utf8() -> None:
    buffer = OutputBuffer(5)
    buffer.add("ééééé".encode())
    assert buffer.truncated and "\ufffd" in buffer.text()


def test_git_directories_stay_read_only_even_below_a_read_only_parent() -> None:
    # A worktree: its git directory lies inside the common one, bound once; and a workspace below an
    # extra read-only bind still gets its .git mounted read-only over the writable workspace.
    layout = Layout(
        system={"usr": None},
        ro_binds=[Path("/srv")],
        git_paths=[
            Path("/srv/jobs/7/repo/.git"),
            Path("/data/main/.git"),
            Path("/data/main/.git/worktrees/c1"),
        ],
    )
    workspace = Path("/srv/jobs/7/repo")
    argv = bwrap_argv(
        "true", workspace=workspace, cwd=workspace, layout=layout, limits=LIMITS, user=USER, network=False
    )
    assert _pairs(argv, "--ro-bind") == ["/usr", "/srv", "/srv/jobs/7/repo/.git", "/data/main/.git"]
    assert _pairs(argv, "--bind") == ["/srv/jobs/7/repo"]
    assert _pairs(argv, "--dir")[-2:] == ["/data", "/data/main"]


def test_the_seccomp_program_is_well_formed_for_each_architecture() -> None:
    for name, arch in ARCHES.items():
        program = filter_program(arch)
        assert len(program) % 8 == 0, name
        insns = [struct.unpack("<HBBI", program[i : i + 8]) for i in range(0, len(program), 8)]
        # Every jump lands inside the program, and the last instruction returns.
        for pos, (code, jt, jf, _k) in enumerate(insns):
            if code & 0x07 == 0x05:  # BPF_JMP
                assert pos + 1 + max(jt, jf) < len(insns), (name, pos)
        assert insns[-1][0] == 0x06
        # The architecture is checked before anything else.
        assert insns[0] == (0x20, 0, 0, 4) and insns[1][3] == arch.audit_arch


def test_hidden_paths_are_covered_only_where_something_would_show_them() -> None:
    layout = Layout(
        system={"etc": None},
        hidden_files=[Path("/etc/codellama/app.pem"), Path("/run/secrets/app.pem")],
        hidden_dirs=[Path("/etc/codellama/keys.d")],
    )
    workspace = Path("/srv/job")
    argv = bwrap_argv(
        "true", workspace=workspace, cwd=workspace, layout=layout, limits=LIMITS, user=USER, network=False
    )
    assert argv[argv.index("/dev/null") - 1 :][:3] == ["--ro-bind", "/dev/null", "/etc/codellama/app.pem"]
    assert "/run/secrets/app.pem" not in argv  # never mounted, nothing to cover
    assert argv[argv.index("/etc/codellama/keys.d") - 5 :][:6] == [
        "--perms",
        "0000",
        "--size",
        "4096",
        "--tmpfs",
        "/etc/codellama/keys.d",
    ]
