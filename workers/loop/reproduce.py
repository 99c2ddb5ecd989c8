"""Reproduce before fixing: run the failing tests on the base commit, once more if they pass (flaky?), and
tell a failure of the code from one of the environment (limits, network, dependencies, secrets)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from core.errors import JobFailed
from workers.loop.failure_cause import environment_cause
from workers.runners.process import RunResult
from workers.runners.sandbox import limit_hit


class ReproStatus(StrEnum):
    REPRODUCED = "reproduced"  # the tests fail here as they did in CI: repair
    PASSING = "passing"  # the tests pass and no failure was claimed (an issue): repair anyway
    NOT_REPRODUCED = "not_reproduced"  # CI failed, the tests pass here twice: report, do not invent a fix
    NOT_CODE = "not_code"  # the failure is the environment's: report it as such


@dataclass(frozen=True)
class Reproduction:
    status: ReproStatus
    base: RunResult  # the run whose failures the repair works from
    runs: tuple[RunResult, ...]
    cause: str = ""  # for NOT_CODE: what in the environment failed
    flaky: bool = False  # passed once, failed on the rerun


def reproduce(
    run_tests: Callable[[], RunResult],
    first: RunResult,
    *,
    require_failure: bool,
    ci_log: str = "",
    local_modules: frozenset[str] = frozenset(),
) -> Reproduction:
    """Decide from `first` (the base run), rerunning through `run_tests` when CI's failure did not show.

    Raises TestCommandCannotRun when the command itself could not start: no model call can fix that.
    """
    why = cannot_run(first)
    if why:
        raise TestCommandCannotRun(
            f"the test command `{first.command}` cannot run: {why}. Nothing was asked of the model; "
            "check the command (`test:` in .github/codellama.yml, or --test) and what `setup:` installs"
        )
    if not first.ok:
        return _failed(first, (first,), local_modules, flaky=False)
    if not require_failure:
        return Reproduction(ReproStatus.PASSING, first, (first,))
    second = run_tests()
    if not second.ok:
        return _failed(second, (first, second), local_modules, flaky=True)
    # CI failed but the tests pass here: the log may say why CI's run was not the code's fault.
    cause = environment_cause(ci_log, local_modules) if ci_log else None
    if cause:
        return Reproduction(ReproStatus.NOT_CODE, second, (first, second), cause=f"in CI, {cause}")
    return Reproduction(ReproStatus.NOT_REPRODUCED, second, (first, second))


class TestCommandCannotRun(JobFailed):
    """The test command was not found, not executable, or names a Python module that is not installed."""


# The shell's own words for a command it could not start (dash, bash, busybox), and Python's for `-m X`.
_NOT_FOUND = re.compile(r"^(?:\S*sh: (?:\d+: )?(?:line \d+: )?)?(\S+): (?:command )?not found$", re.MULTILINE)
_NOT_EXECUTABLE = re.compile(r"^\S*sh: (?:\d+: )?(?:line \d+: )?(\S+): Permission denied$", re.MULTILINE)
_NO_MODULE = re.compile(r"^\S*python[\d.]*: No module named ([\w.]+)$", re.MULTILINE)


def cannot_run(run: RunResult) -> str | None:
    """Why the test command could not even start (exit 127: not found, 126: not executable, or `python -m X`
    without X), or None when it ran, whatever its tests did."""
    if run.timed_out:
        return None
    text = run.output
    if run.exit_code == 127:
        found = _NOT_FOUND.search(text)
        return (
            f"`{found.group(1)}` was not found (exit 127)"
            if found
            else "the command was not found (exit 127)"
        )
    if run.exit_code == 126:
        found = _NOT_EXECUTABLE.search(text)
        what = f"`{found.group(1)}`" if found else "the command"
        return f"{what} is not executable (exit 126)"
    module = _python_module(run.command)
    if run.exit_code != 0 and module:
        for found in _NO_MODULE.finditer(text):
            if found.group(1) == module:
                return f"the Python module `{module}` is not installed (No module named {module})"
    return None


def _python_module(command: str) -> str | None:
    """X in a command that starts `python -m X` (or python3, python3.11, a path to one, after VAR=value)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0], re.DOTALL):
        words = words[1:]  # PYTHONPATH=. python -m pytest
    if len(words) >= 3 and re.fullmatch(r"python[\d.]*", Path(words[0]).name) and words[1] == "-m":
        return words[2]
    return None


def _failed(
    run: RunResult, runs: tuple[RunResult, ...], local_modules: frozenset[str], *, flaky: bool
) -> Reproduction:
    limit = limit_hit(run)
    if limit:
        return Reproduction(
            ReproStatus.NOT_CODE, run, runs, cause=f"the tests hit the sandbox's {limit}", flaky=flaky
        )
    cause = environment_cause(run.output, local_modules)
    if cause:
        return Reproduction(ReproStatus.NOT_CODE, run, runs, cause=cause, flaky=flaky)
    return Reproduction(ReproStatus.REPRODUCED, run, runs, flaky=flaky)


def repo_modules(root: Path) -> frozenset[str]:
    """Top-level Python module names the repository defines (a missing one is the code's fault)."""
    names = {p.stem for p in root.glob("*.py")} | {p.parent.name for p in root.glob("*/__init__.py")}
    names |= {p.parent.name for p in root.glob("src/*/__init__.py")}
    names |= {p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    return frozenset(names)
