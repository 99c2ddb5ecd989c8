"""make_runner: the sandbox when it works, else a refusal, unless the operator allows unsandboxed runs."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import SandboxUnavailable
from core.settings import Settings
from workers.runners.process import LocalRunner
from workers.runners.sandbox import BubblewrapRunner, limits_from_settings, make_runner, sandbox_available
from workers.runners.sandbox.users import ensure_sandbox_user

MISSING_BWRAP = "bwrap-that-is-not-installed"


def test_the_sandbox_is_available_here() -> None:
    # CI installs bubblewrap and runs as root; if this fails, the sandbox tests below mean nothing.
    ok, reason = sandbox_available()
    assert ok, reason
    assert "codellama-sandbox" in reason or "nobody" in reason


def test_make_runner_gives_the_sandbox_with_limits_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        test_timeout_s=120,
        setup_timeout_s=300,
        test_memory_limit_mb=2048,
        test_output_limit_bytes=50_000,
        test_max_procs=100,
        test_max_file_mb=50,
    )
    runner = make_runner(settings, tmp_path)
    assert isinstance(runner, BubblewrapRunner)
    assert runner.workspace == tmp_path.resolve()
    assert runner.limits == limits_from_settings(settings)
    assert (runner.limits.wall_s, runner.limits.memory_mb, runner.limits.output_bytes) == (300, 2048, 50_000)
    assert (runner.limits.max_procs, runner.limits.max_file_mb) == (100, 50)
    result = runner.run("id -un", tmp_path, timeout_s=30)
    assert result.ok and result.output.strip() == runner.user.name


def test_missing_bubblewrap_is_refused_with_the_way_out(tmp_path: Path) -> None:
    ok, reason = sandbox_available(MISSING_BWRAP)
    assert not ok and "not installed" in reason
    with pytest.raises(SandboxUnavailable) as refused:
        make_runner(Settings(), tmp_path, bwrap=MISSING_BWRAP)
    message = str(refused.value)
    assert "refusing to run repository code" in message
    assert "not installed" in message
    assert "ALLOW_UNSANDBOXED=true" in message


def test_missing_bubblewrap_with_unsandboxed_runs_allowed_warns_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="workers.runners.sandbox.factory"):
        runner = make_runner(Settings(allow_unsandboxed=True), tmp_path, bwrap=MISSING_BWRAP)
    assert isinstance(runner, LocalRunner)
    assert any(
        "WITHOUT A SANDBOX" in r.getMessage() and "not installed" in r.getMessage() for r in caplog.records
    )


def test_switching_the_sandbox_off_needs_the_explicit_permission_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(SandboxUnavailable, match=r"SANDBOX=false.*ALLOW_UNSANDBOXED=true"):
        make_runner(Settings(sandbox=False), tmp_path)
    with caplog.at_level(logging.WARNING, logger="workers.runners.sandbox.factory"):
        runner = make_runner(Settings(sandbox=False, allow_unsandboxed=True), tmp_path)
    assert isinstance(runner, LocalRunner)
    assert any("WITHOUT A SANDBOX" in r.getMessage() for r in caplog.records)


def test_allowing_unsandboxed_runs_does_not_switch_a_working_sandbox_off(tmp_path: Path) -> None:
    runner = make_runner(Settings(allow_unsandboxed=True), tmp_path)
    assert isinstance(runner, BubblewrapRunner)


def test_a_sandbox_that_fails_to_start_is_refused_with_the_reason(tmp_path: Path) -> None:
    # `false` stands where bubblewrap should be: it is installed, but never runs the command.
    ok, reason = sandbox_available("false")
    assert not ok
    assert "bubblewrap could not start the sandbox (exit 1)" in reason
    with pytest.raises(SandboxUnavailable, match=r"the sandbox cannot start: .*exit 1.*ALLOW_UNSANDBOXED"):
        make_runner(Settings(), tmp_path, bwrap="false")


def test_root_is_never_the_sandbox_user() -> None:
    with pytest.raises(SandboxUnavailable, match="'root' has uid or gid 0"):
        ensure_sandbox_user("root")


def test_the_operators_self_check_passes_here() -> None:
    # `python -m workers.runners.sandbox` is what docs/sandbox.md tells operators to run inside the worker
    # container.
    done = subprocess.run(
        [sys.executable, "-m", "workers.runners.sandbox"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert done.stdout.count("\nok   ") == 8
