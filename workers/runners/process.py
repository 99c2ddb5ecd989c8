"""Run one command of the repository under repair: bounded in time and output, without the bot's secrets.

This is the unsandboxed runner; workers/runners/sandbox/ wraps the same contract in bubblewrap. Both run
under workers/runners/supervise.py.
"""

from __future__ import annotations

import os
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from workers.runners.supervise import Finished, supervise

# Only these variables from the worker's own environment reach repository code; everything else
# (GITHUB_*, REDIS_URL, tokens, cloud credentials) stays out.
ENV_ALLOWLIST = ("PATH", "LANG", "LC_ALL", "TZ", "TERM")


@dataclass(frozen=True)
class RunResult:
    """What a command did: exit code, combined output (truncated to the limit), and why it stopped."""

    command: str
    exit_code: int
    output: str
    duration_s: float
    timed_out: bool = False
    output_truncated: bool = False
    # A machine-readable report the test runner wrote (workers/runners/reports.py), and its format.
    report: str = ""
    report_format: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class CommandRunner(Protocol):
    """Runs a shell command in a directory of the repository under repair.

    Contract: never raises for the command's own failure (that is a RunResult); kills the whole process
    tree at the timeout; keeps at most `output_limit` bytes of output; never passes the bot's secrets.
    """

    def run(
        self,
        command: str,
        cwd: Path,
        *,
        timeout_s: float,
        network: bool = False,
        output_limit: int = 1_000_000,
    ) -> RunResult: ...


def clean_environment(cwd: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment repository code gets: an allowlist, a private HOME, nothing secret."""
    env = {k: os.environ[k] for k in ENV_ALLOWLIST if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    # The tools installed beside the worker's interpreter (poetry, uv, tox... of the `toolchains` extra),
    # which the conventions name, even when the worker was started without its venv on PATH.
    scripts = sysconfig.get_path("scripts")
    env["PATH"] = os.pathsep.join(dict.fromkeys([scripts, *env["PATH"].split(os.pathsep)]))
    env["HOME"] = str(cwd)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["CI"] = "true"
    if extra:
        env.update(extra)
    return env


class LocalRunner:
    """Runs commands as plain subprocesses in their own process group. No isolation beyond the env."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.extra_env = extra_env or {}

    def run(
        self,
        command: str,
        cwd: Path,
        *,
        timeout_s: float,
        network: bool = False,
        output_limit: int = 1_000_000,
    ) -> RunResult:
        return run_bounded(
            ["/bin/sh", "-c", command],
            cwd,
            clean_environment(cwd, self.extra_env),
            timeout_s,
            output_limit,
            label=command,
        )


def run_bounded(
    argv: list[str], cwd: Path, env: dict[str, str], timeout_s: float, output_limit: int, *, label: str
) -> RunResult:
    """Run argv, kill its process group at the deadline, keep bounded output."""
    return result_of(supervise(argv, cwd, env, timeout_s=timeout_s, keep_bytes=output_limit), label)


def result_of(done: Finished, command: str) -> RunResult:
    return RunResult(
        command=command,
        exit_code=done.exit_code,
        output=done.output,
        duration_s=done.duration_s,
        timed_out=done.timed_out,
        output_truncated=done.output_truncated,
    )
