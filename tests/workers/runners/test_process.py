"""The unsandboxed runner's own bounds: timeout kills the tree, output is capped, secrets stay out."""

from __future__ import annotations

import os
from pathlib import Path

from workers.runners.process import LocalRunner


def test_output_is_bounded_and_the_command_still_finishes(tmp_path: Path) -> None:
    result = LocalRunner().run(
        "yes codellama | head -c 5000000; echo done", tmp_path, timeout_s=30, output_limit=10_000
    )
    assert result.exit_code == 0
    assert result.output_truncated
    assert len(result.output.encode()) < 10_200
    # The verdict a runner prints last survives the cut.
    assert "bytes of output omitted" in result.output and result.output.rstrip().endswith("done")


def test_timeout_kills_grandchildren(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    result = LocalRunner().run(f"sh -c 'echo $$ > {pidfile}; sleep 300' & wait", tmp_path, timeout_s=1)
    assert result.timed_out and not result.ok
    pid = int(pidfile.read_text())
    # The grandchild was in the runner's process group, which was killed before run() returned.
    try:
        os.kill(pid, 0)
        alive = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] not in ("Z", "X")
    except ProcessLookupError:
        alive = False
    assert not alive


def test_secrets_in_the_worker_environment_do_not_reach_the_command(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "s3cret-webhook")
    monkeypatch.setenv("GITHUB_PRIVATE_KEY", "-----BEGIN RSA PRIVATE KEY-----")
    result = LocalRunner().run("env", tmp_path, timeout_s=10)
    assert result.ok
    assert "s3cret-webhook" not in result.output
    assert "PRIVATE KEY" not in result.output
    assert f"HOME={tmp_path}" in result.output
