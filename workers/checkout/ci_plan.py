"""The test plan from the repository's own CI, between its config and convention: `.github/codellama.yml`'s
`test:` wins, then the workflow step that failed (or, for a command, the test step of a workflow that runs
on pull requests), then what test_plan.py expects of the language. Why CI's commands were not used goes
into the plan's notes, which the report shows."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from core.errors import JobFailed
from workers.checkout.repo_config import RepoConfig, RepoConfigError, _read_bounded
from workers.checkout.test_plan import TestPlan, _lend_worker_packages, plan_for
from workers.checkout.workflow_steps import (
    CiCommands,
    WorkflowUnusable,
    commands_for_failure,
    commands_for_pull_requests,
)

WORKFLOWS_DIR = ".github/workflows"
MAX_WORKFLOW_FILES = 50
MAX_NOTES = 8


@dataclass(frozen=True)
class FailedJob:
    """A job of a red run as the jobs API names it, and the name of its first failed step (if any)."""

    name: str
    step: str | None = None


@dataclass(frozen=True)
class CiFailure:
    """A red workflow run: its file (`workflow_run.path`) and failed jobs."""

    workflow: str
    jobs: tuple[FailedJob, ...]


# For a command on an issue or pull request: the workflows that run on pull requests say how to test.
PULL_REQUEST_WORKFLOWS = CiFailure("", ())


def choose_plan(
    repo_root: Path, config: RepoConfig, venv_dir: Path, ci: CiFailure | None, python: str = sys.executable
) -> TestPlan:
    """Config > CI > convention; the plan says which in `origin`, and why CI's was passed over in `notes`."""
    if config.test or ci is None:
        return plan_for(repo_root, config, venv_dir, python)
    notes: list[str] = []
    try:
        found = _from_ci(repo_root, ci, notes)
    except WorkflowUnusable as exc:
        found = None
        notes.append(f"CI's commands not used: {exc}")
    if found is not None:
        plan = plan_from_ci(found, config, venv_dir, python)
        return replace(plan, notes=(*notes, *plan.notes)[:MAX_NOTES])
    try:
        plan = plan_for(repo_root, config, venv_dir, python)
    except JobFailed as exc:
        raise JobFailed(" ".join([str(exc), *notes])) from None
    return replace(plan, notes=(*notes, *plan.notes)[:MAX_NOTES])


def plan_from_ci(
    ci: CiCommands, config: RepoConfig, venv_dir: Path, python: str = sys.executable
) -> TestPlan:
    """CI's commands as a plan; a Python job gets its own virtualenv first on PATH, so CI's `pip install`
    and `python -m pytest` land there rather than in the worker's Python."""
    notes = [*ci.notes, *(f"CI sets up {tool}; the worker's own toolchain is used here" for tool in ci.tools)]
    if not ci.python:
        setup = (*config.setup, *(s.command_line() for s in ci.setup))
        return TestPlan(setup, ci.test.command_line(), origin=ci.origin, notes=tuple(notes))
    bin_dir = str(venv_dir / "bin")
    vpy = shlex.quote(str(venv_dir / "bin" / "python"))
    make_venv = f"{shlex.quote(python)} -m venv --system-site-packages {shlex.quote(str(venv_dir))}"
    setup = (
        make_venv,
        *_lend_worker_packages(vpy),
        *config.setup,
        *(s.command_line(bin_dir) for s in ci.setup),
    )
    test = ci.test.command_line(bin_dir)
    return TestPlan(setup, test, venv=venv_dir, origin=ci.origin, notes=tuple(notes))


def _from_ci(repo_root: Path, ci: CiFailure, notes: list[str]) -> CiCommands | None:
    if ci is PULL_REQUEST_WORKFLOWS:
        return _from_pull_request_workflows(repo_root, notes)
    text = read_workflow(repo_root, ci.workflow)
    for job in ci.jobs:
        try:
            return commands_for_failure(text, ci.workflow, job.name, job.step)
        except WorkflowUnusable as exc:
            notes.append(f"CI's commands not used: {exc}")
    return None


def _from_pull_request_workflows(repo_root: Path, notes: list[str]) -> CiCommands | None:
    """The first workflow file (by name) that runs on pull requests and has a job that runs tests."""
    directory = repo_root / WORKFLOWS_DIR
    if not directory.is_dir() or any(p.is_symlink() for p in (repo_root / ".github", directory)):
        return None
    names = sorted(p.name for p in directory.iterdir() if p.suffix in (".yml", ".yaml"))
    for name in names[:MAX_WORKFLOW_FILES]:
        path = f"{WORKFLOWS_DIR}/{name}"
        try:
            found = commands_for_pull_requests(read_workflow(repo_root, path), path)
        except WorkflowUnusable as exc:
            notes.append(f"{path} ignored: {exc}")
            continue
        if found is not None:
            return found
    return None


def read_workflow(repo_root: Path, path: str) -> str:
    """The workflow file's text, if `path` names one under .github/workflows of the checkout that is a plain
    file within the size limit: no symbolic link on the way, nothing outside the checkout."""
    parts = path.split("/")
    if (
        not path.startswith(WORKFLOWS_DIR + "/")
        or any(p in ("", ".", "..") for p in parts)
        or not path.endswith((".yml", ".yaml"))
    ):
        raise WorkflowUnusable(f"`{path[:200]}` is not a workflow file under {WORKFLOWS_DIR}/")
    here = repo_root
    for part in parts[:-1]:
        here = here / part
        try:
            if not stat.S_ISDIR(os.lstat(here).st_mode):
                raise WorkflowUnusable(f"{here.relative_to(repo_root)} is not a directory of the checkout")
        except FileNotFoundError:
            raise WorkflowUnusable(f"{path} is not in the checkout at that commit") from None
    if not os.path.lexists(repo_root / path):
        raise WorkflowUnusable(f"{path} is not in the checkout at that commit")
    try:
        return _read_bounded(repo_root / path, path)
    except RepoConfigError as exc:
        raise WorkflowUnusable(str(exc)) from None
