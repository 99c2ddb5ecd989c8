"""Config > CI > convention, and workflow files read only from where they belong in the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workers.checkout.ci_plan import (
    PULL_REQUEST_WORKFLOWS,
    CiFailure,
    FailedJob,
    choose_plan,
    read_workflow,
)
from workers.checkout.repo_config import RepoConfig
from workers.checkout.workflow_steps import WorkflowUnusable

WORKFLOW = """\
on: [push, pull_request]
jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci
      - name: Test
        run: npm test
        env:
          FOO: bar
"""
RED = CiFailure(".github/workflows/ci.yml", (FailedJob("unit", "Test"),))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (root / "app.py").write_text("x = 1\n")
    return root


def test_the_failed_step_is_the_plan_and_says_so(repo: Path, tmp_path: Path) -> None:
    plan = choose_plan(repo, RepoConfig(), tmp_path / "venv", RED)
    assert (plan.test, plan.setup) == ("env FOO=bar npm test", ("npm ci",))
    assert plan.origin == "CI: .github/workflows/ci.yml, job `unit`, step `Test`"


def test_the_repositorys_config_wins_over_ci(repo: Path, tmp_path: Path) -> None:
    plan = choose_plan(repo, RepoConfig(test="make check"), tmp_path / "venv", RED)
    assert (plan.test, plan.origin) == ("make check", "config: .github/codellama.yml")


def test_a_command_takes_the_pull_request_workflow(repo: Path, tmp_path: Path) -> None:
    plan = choose_plan(repo, RepoConfig(), tmp_path / "venv", PULL_REQUEST_WORKFLOWS)
    assert plan.test == "env FOO=bar npm test" and plan.origin.startswith("CI: ")


def test_an_unusable_workflow_falls_back_to_convention_with_the_reason(repo: Path, tmp_path: Path) -> None:
    (repo / ".github" / "workflows" / "ci.yml").write_text("jobs: {unit: {steps: [\n")
    plan = choose_plan(repo, RepoConfig(), tmp_path / "venv", RED)
    assert plan.origin.startswith("convention (Python") and "pytest" in plan.test
    assert any("not valid YAML" in note for note in plan.notes)


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd.yml",
        ".github/workflows/../../x.yml",
        "/etc/x.yml",
        ".github/workflows/ci.sh",
        "a.yml",
    ],
)
def test_a_path_outside_the_workflows_directory_is_refused(repo: Path, path: str) -> None:
    with pytest.raises(WorkflowUnusable, match="not a workflow file"):
        read_workflow(repo, path)


def test_a_symlinked_workflow_or_directory_is_refused(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yml"
    secret.write_text("jobs: {}\n")
    os.symlink(secret, repo / ".github" / "workflows" / "link.yml")
    with pytest.raises(WorkflowUnusable, match="plain file"):
        read_workflow(repo, ".github/workflows/link.yml")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "ci.yml").write_text(WORKFLOW)
    os.rename(repo / ".github", tmp_path / "moved")
    os.symlink(other, repo / ".github")
    with pytest.raises(WorkflowUnusable, match="not a directory"):
        read_workflow(repo, ".github/workflows/ci.yml")
