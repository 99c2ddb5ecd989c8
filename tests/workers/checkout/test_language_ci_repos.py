"""The workflows of the end-to-end language repositories (tests/language_repos.py) give the commands those
tests expect: the failed step's own command, the install step as set-up, and for Java, whose repository
goes through `/codellama fix` by its pull-request workflow, the same step. Pure: no toolchain needed."""

from __future__ import annotations

import pytest

from tests.language_repos import CI_BUILDERS, CI_JOB, CI_STEP, WORKFLOW_PATH, ci_repo
from workers.benchmark.projects import TEST_COMMANDS
from workers.checkout.workflow_steps import commands_for_failure, commands_for_pull_requests


@pytest.mark.parametrize("language", sorted(CI_BUILDERS))
def test_the_failed_step_gives_cis_own_command_not_conventions(language: str) -> None:
    ci = ci_repo(language)
    found = commands_for_failure(ci.project.files[WORKFLOW_PATH], WORKFLOW_PATH, CI_JOB, CI_STEP)
    assert found.test.command_line() == ci.command != TEST_COMMANDS[language]
    assert [s.command_line() for s in found.setup] == ([ci.setup] if ci.setup else [])
    assert found.tools == ((ci.tool,) if ci.tool else ())
    assert not found.python
    assert found.origin == f"CI: {WORKFLOW_PATH}, job `{CI_JOB}`, step `{CI_STEP}`"
    # The buggy file is the one the answers edit, and the fixed project still has the workflow.
    assert ci.project.source in ci.project.fixed and ci.project.source in ci.project.files


@pytest.mark.parametrize("language", sorted(CI_BUILDERS))
def test_a_command_on_an_issue_takes_the_same_step_from_the_pull_request_workflow(language: str) -> None:
    ci = ci_repo(language)
    found = commands_for_pull_requests(ci.project.files[WORKFLOW_PATH], WORKFLOW_PATH)
    assert found is not None and (found.job, found.step) == (CI_JOB, CI_STEP)
    assert found.test.command_line() == ci.command
