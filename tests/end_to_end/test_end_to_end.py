"""From a signed webhook to an opened pull request: real redis-server, `codellama-bot serve` and
`codellama-bot worker` processes, real git over smart HTTP; only GitHub and the model are stand-ins."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import payloads, processes
from tests.bugs import PARENS, PARENS_RIGHT, PARENS_WRONG, quixbugs_ci_log
from tests.conftest import wait_until
from tests.github_world import INSTALLATION_ID, REPO
from tests.scenes import HeldModel, Scene, parens_scene

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    with parens_scene(
        tmp_path,
        redis_url,
        queue_name,
        [PARENS_WRONG, PARENS_RIGHT],
        BOT_MAX_ITERATIONS="3",
        TGI_RETRIES="2",
        TGI_BACKOFF_BASE_S="0.05",
        CELERY_VISIBILITY_TIMEOUT_S="20",
        JOB_LOCK_TTL_S="6",
    ) as scene:
        yield scene


def _clone_and_test(stack: Scene, branch: str) -> subprocess.CompletedProcess[str]:
    """A fresh clone of the pushed branch, tested from scratch."""
    dest = stack.tmp / f"verify-{branch.replace('/', '-')}"
    bare = stack.world.gh.bare_repo_path(REPO)
    subprocess.run(["git", "clone", "-q", "--branch", branch, str(bare), str(dest)], check=True, timeout=60)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_issue_comment_becomes_a_pull_request_whose_tests_pass(stack: Scene) -> None:
    gh = stack.world.gh
    number, payload = stack.fix_command(
        "/codellama fix\nthe depth at the end matters", "is_valid_parenthesization('((') returns True."
    )
    comment = payload["comment"]
    with (
        processes.serve(stack.env, stack.port, stack.tmp / "serve.log"),
        processes.worker(stack.env, stack.tmp / "worker.log") as worker,
    ):
        assert stack.deliver("issue_comment", payload, "e2e-issue").status_code == 202
        pr = stack.pull_request()
        comments = wait_until(
            lambda: [c for c in gh.issue_comments(REPO, number) if pr["html_url"] in c["body"]],
            30,
            "the comment linking the pull request",
        )
    assert pr["head"]["ref"] == f"codellama/fix-issue-{number}", worker.log()
    assert pr["base"]["ref"] == "main"
    assert f"#{number}" in pr["body"] and "return depth == 0" not in pr["title"]
    assert comments[0]["user"]["type"] == "Bot"
    assert [r["content"] for r in gh.reactions(comment["id"])] == ["eyes"]
    # The model was asked twice; the second prompt carried what failed after the first answer.
    assert len(stack.tgi.prompts()) == 2
    second = stack.tgi.prompts()[1]
    assert "test_is_valid_parenthesization" in second and "assert True == False" in second
    assert PARENS_WRONG.split("\n")[0] in second  # the first answer is in the dialogue
    assert "the depth at the end matters" in stack.tgi.prompts()[0]
    verify = _clone_and_test(stack, pr["head"]["ref"])
    assert verify.returncode == 0, verify.stdout
    assert "3 passed" in verify.stdout


def test_red_workflow_run_becomes_a_pull_request_against_the_failing_branch(stack: Scene) -> None:
    gh = stack.world.gh
    sha = stack.world.base_sha
    run = gh.add_workflow_run(
        REPO,
        "main",
        sha,
        jobs=[
            {"name": "tests", "conclusion": "failure", "log": quixbugs_ci_log(PARENS)},
            {"name": "lint", "conclusion": "success", "log": "All checks passed!\n"},
        ],
    )
    payload = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=run["id"], branch="main", sha=sha)
    # Every phase written: at the default interval a job that runs in under 5 s would show none of them.
    every_phase = {**stack.env, "GITHUB_CHECK_RUN_INTERVAL_S": "0"}
    with (
        processes.serve(stack.env, stack.port, stack.tmp / "serve.log"),
        processes.worker(every_phase, stack.tmp / "worker.log") as worker,
    ):
        assert stack.deliver("workflow_run", payload, "e2e-ci").status_code == 202
        pr = stack.pull_request()
        [check] = wait_until(
            lambda: [c for c in gh.check_runs(REPO, sha, "codellama-bot") if c["status"] == "completed"],
            30,
            "the job's check run to complete",
        )
    assert pr["head"]["ref"] == f"codellama/fix-ci-{sha[:7]}", worker.log()
    # The failing commit shows the job: queued, in progress, success.
    assert (check["conclusion"], check["details_url"]) == ("success", pr["html_url"])
    states = [h["status"] for h in gh.check_run_history(check["id"])]
    assert states[0] == "queued" and "in_progress" in states and states[-1] == "completed", states
    assert pr["base"]["ref"] == "main"
    # The job log came from the stand-in's Actions logs API, through its redirect.
    assert any(path.endswith("/logs") and status == 302 for _, path, status in gh.requests)
    assert "AssertionError" in stack.tgi.prompts()[0]
    assert len(stack.tgi.prompts()) == 2 and "assert True == False" in stack.tgi.prompts()[1]
    verify = _clone_and_test(stack, pr["head"]["ref"])
    assert verify.returncode == 0, verify.stdout


def test_a_worker_killed_mid_job_leaves_the_job_to_another_and_one_pull_request(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    model = HeldModel(PARENS_RIGHT, hold_s=120)
    with parens_scene(
        tmp_path,
        redis_url,
        queue_name,
        model,
        TGI_TIMEOUT_S="180",
        CELERY_VISIBILITY_TIMEOUT_S="12",
        JOB_LOCK_TTL_S="4",
    ) as stack:
        gh = stack.world.gh
        env = stack.env
        with processes.serve(env, stack.port, tmp_path / "serve.log"):
            with processes.worker(env, tmp_path / "worker1.log", name="doomed") as first:
                # The first worker is inside its job, waiting for the model, when it dies.
                number = stack.deliver_fix_command("e2e-kill")
                wait_until(lambda: model.prompts, 120, "the first worker to ask the model")
                first.kill()
                model.release.set()
            assert gh.pulls(REPO) == []
            with processes.worker(env, tmp_path / "worker2.log", name="heir") as second:
                pr = stack.pull_request(timeout_s=180)
                wait_until(lambda: "ended: pull_request" in second.log(), 60, "the second worker to finish")
        assert len(gh.pulls(REPO)) == 1, gh.pulls(REPO)
        assert pr["head"]["ref"] == f"codellama/fix-issue-{number}"
        assert len(model.prompts) >= 2  # the job really ran again, from the start
        links = [c for c in gh.issue_comments(REPO, number) if pr["html_url"] in c["body"]]
        assert len(links) == 1
