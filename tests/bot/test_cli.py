"""The command line's own contract: start-up refuses missing settings by name; every command is wired."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import child_env


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=child_env(env or {}),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_secrets_names_every_missing_setting() -> None:
    done = _cli("serve")
    assert done.returncode == 2
    for name in ("GITHUB_WEBHOOK_SECRET", "GITHUB_APP_ID", "GITHUB_PRIVATE_KEY"):
        assert name in done.stderr


def test_worker_without_the_app_key_refuses_to_start() -> None:
    done = _cli("worker", env={"GITHUB_APP_ID": "1"})
    assert done.returncode == 2
    assert (
        "GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH" in done.stderr and "GITHUB_APP_ID" not in done.stderr
    )


def test_an_unreadable_key_path_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "app.pem"
    done = _cli("worker", env={"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_PATH": str(missing)})
    assert done.returncode == 2 and str(missing) in done.stderr


def test_an_invalid_setting_is_reported_not_a_traceback() -> None:
    done = _cli("worker", env={"BOT_MAX_ITERATIONS": "zero"})
    assert done.returncode == 2 and "BOT_MAX_ITERATIONS" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["serve", "worker", "fix", "apply", "locate"])
def test_every_command_has_help(command: str) -> None:
    done = _cli(command, "--help")
    assert done.returncode == 0 and f"codellama-bot {command}" in done.stdout
