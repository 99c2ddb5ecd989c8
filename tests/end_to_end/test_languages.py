"""A JavaScript, a Go and a Rust repository without a `.github/codellama.yml`, repaired on the real toolchain
in the sandbox with the model answering wrongly then rightly, until the pull request's branch passes:

- `/codellama fix`: the worker sets the repository up and tests it by convention (npm test, go test ./...,
  cargo test);
- a red `workflow_run`: the worker takes the failed step's own command from the workflow file (`npm run
  test:unit`, `go test -run . ./pkg/...`, `cargo test --offline --lib`), which convention would not choose.

Java takes part through its CI only: Maven Central cannot be reached here, so Java's convention (`mvn
dependency:go-offline`, then `mvn -o test`) cannot set up. Its repository's workflow runs Maven offline
against Debian's Maven repository (JUnit and Maven's plugins from Debian packages), and both the red run and
`/codellama fix` (through the workflow that runs on pull requests) use that step.

The repositories are HumanEvalFix task 3 (below_zero) of each language (tests/language_repos.py). Real
redis-server, `codellama-bot serve` and `worker`, real git; only GitHub and the model are stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import payloads, processes
from tests.conftest import free_port, wait_until
from tests.github_world import INSTALLATION_ID, REPO, github_world
from tests.language_repos import (
    CI_JOB,
    CI_STEP,
    WORKFLOW_PATH,
    WRONG,
    changed_files,
    ci_repo,
    clone,
    need_toolchain,
    project,
    run_tests,
    wrong_then_right,
)
from tests.scenes import Scene, bot_env
from tests.stand_ins.tgi_server import TGIStandIn
from workers.benchmark.projects import TEST_COMMANDS, Project

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
LANGUAGES = ["js", "go", "rust", "java"]
FROM_CI = f"Commands from CI: {WORKFLOW_PATH}, job `{CI_JOB}`, step `{CI_STEP}`."


def _fix_case(language: str) -> tuple[Project, str, str]:
    """The repository, the command its tests pass with, and the report's line on where that came from."""
    if language == "java":
        ci = ci_repo(language)
        return ci.project, ci.command, FROM_CI
    return project(language), TEST_COMMANDS[language], "Commands from convention ("


@pytest.mark.parametrize("language", LANGUAGES)
def test_fix_command_on_a_repository_without_config(
    language: str, tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    need_toolchain(language)
    repo, command, origin = _fix_case(language)
    with github_world(tmp_path / "github", repo.files) as world, TGIStandIn(wrong_then_right(repo)) as tgi:
        env = bot_env(world, tgi, tmp_path, redis_url, queue_name, BOT_MAX_ITERATIONS="3", TGI_RETRIES="0")
        scene = Scene(world, tgi, env, tmp_path, free_port(), None)
        number, payload = scene.fix_command("/codellama fix", "below_zero says true when the balance is 0.")
        with (
            processes.serve(env, scene.port, tmp_path / "serve.log"),
            processes.worker(env, tmp_path / "worker.log") as worker,
        ):
            assert scene.deliver("issue_comment", payload, f"e2e-{language}").status_code == 202
            pr = scene.pull_request(timeout_s=240)
            wait_until(
                lambda: [c for c in world.gh.issue_comments(REPO, number) if pr["html_url"] in c["body"]],
                30,
                "the comment linking the pull request",
            )
        # The pull request says which command tested the fix, and what chose it.
        assert f"Command: `{command}`\n{origin}" in pr["body"], (pr["body"], worker.log())
        prompts = tgi.prompts()
        assert len(prompts) == 2, worker.log()
        assert WRONG in prompts[1]  # the first answer, and what its tests said, went back to the model
        checkout = clone(tmp_path, pr["head"]["ref"], world.gh.bare_repo_path(REPO))
    verify = run_tests(checkout, command)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert changed_files(checkout) == [repo.source]


@pytest.mark.parametrize("language", LANGUAGES)
def test_red_workflow_run_is_fixed_with_the_failed_steps_own_command(
    language: str, tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    need_toolchain(language)
    ci = ci_repo(language)
    answers = wrong_then_right(ci.project)
    with github_world(tmp_path / "github", ci.project.files) as world, TGIStandIn(answers) as tgi:
        env = bot_env(world, tgi, tmp_path, redis_url, queue_name, BOT_MAX_ITERATIONS="3", TGI_RETRIES="0")
        scene = Scene(world, tgi, env, tmp_path, free_port(), None)
        gh, sha = world.gh, world.base_sha
        steps = [
            {"name": "Run actions/checkout@v4", "conclusion": "success"},
            *([{"name": "Install", "conclusion": "success"}] if ci.setup else []),
            {"name": CI_STEP, "conclusion": "failure"},
        ]
        run = gh.add_workflow_run(
            REPO,
            "main",
            sha,
            jobs=[
                {"name": "lint", "conclusion": "success", "log": "lint\n"},
                {"name": CI_JOB, "conclusion": "failure", "log": ci.log, "steps": steps},
            ],
        )
        payload = payloads.workflow_run_failed(
            REPO, INSTALLATION_ID, run_id=run["id"], branch="main", sha=sha
        )
        with (
            processes.serve(env, scene.port, tmp_path / "serve.log"),
            processes.worker(env, tmp_path / "worker.log") as worker,
        ):
            assert scene.deliver("workflow_run", payload, f"e2e-ci-{language}").status_code == 202
            pr = scene.pull_request(timeout_s=240)
        assert FROM_CI in pr["body"], (pr["body"], worker.log())
        assert ci.command in pr["body"]
        if ci.tool:  # what actions/setup-* asked for, which the worker's own toolchain stands in for
            assert f"CI sets up {ci.tool}" in pr["body"]
        prompts = tgi.prompts()
        assert len(prompts) == 2, worker.log()
        assert WRONG in prompts[1]  # the first answer, and what CI's command said of it, went back
        checkout = clone(tmp_path, pr["head"]["ref"], gh.bare_repo_path(REPO))
    verify = run_tests(checkout, ci.setup_and_test)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert changed_files(checkout) == [ci.project.source]
    # Convention's command still fails on the branch: only CI's own command could have passed. (Maven gets
    # an empty local repository, as in the sandbox, rather than this machine's ~/.m2.)
    empty_m2 = {"MAVEN_OPTS": f"-Dmaven.repo.local={tmp_path / 'empty-m2'}"}
    by_convention = run_tests(checkout, TEST_COMMANDS[language], empty_m2)
    assert by_convention.returncode != 0
    assert ci.convention_fails_with in by_convention.stdout + by_convention.stderr
