"""The jobs list end to end: real redis-server, `codellama-bot serve` and `worker` processes, real git and
sandbox; GitHub and the model are stand-ins. A job is listed queued, then running with its phase, then done
with its outcome, spend and links; `codellama-bot cancel` ends a running job as `/codellama stop` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests

from core.job_registry import JobRecord, JobRegistry
from tests import payloads, processes
from tests.bugs import PARENS, PARENS_RIGHT, quixbugs_ci_log
from tests.conftest import wait_until

# The stop test's scene: a job whose test run blocks until it is killed.
from tests.end_to_end.test_stop_command import STOP_DEADLINE_S, _processes_with, blocking_scene  # noqa: F401
from tests.github_world import INSTALLATION_ID, REPO
from tests.scenes import Scene, parens_scene

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOKEN = "operator-token-e2e-0123456789abcdef"


def _cli(scene: Scene, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=processes.child_env(scene.env),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _listed(scene: Scene, state: str) -> list[list[str]]:
    done = _cli(scene, "jobs", "--state", state, "--repo", REPO)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()[1:]]


def _row(redis_url: str, job: str) -> JobRecord | None:
    return JobRegistry(redis.Redis.from_url(redis_url), 3600).get(job)


def test_cancel_ends_a_running_job_which_is_listed_cancelled_and_not_retried(
    blocking_scene: tuple[Scene, str],  # noqa: F811 (the fixture, imported above)
    redis_url: str,
    queue_name: str,
) -> None:
    scene, marker = blocking_scene
    scene.env["OPERATOR_TOKEN"] = TOKEN
    with processes.serve(scene.env, scene.port, scene.tmp / "serve.log"):
        number = scene.deliver_fix_command("d-fix")  # no worker yet: it waits in the queue
        [queued] = _listed(scene, "queued")
        assert queued[:4] == ["d-fix", "queued", "-", f"{REPO}#{number}"]
        assert queued[6].endswith(f"/{REPO}/issues/{number}")
        page = requests.get(
            f"http://127.0.0.1:{scene.port}/jobs", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
        )
        assert page.status_code == 200 and 'href="/jobs/d-fix"' in page.text
        assert requests.get(f"http://127.0.0.1:{scene.port}/jobs", timeout=10).status_code == 401

        with processes.worker(scene.env, scene.tmp / "worker.log") as worker:
            wait_until(lambda: _processes_with(marker), 180, "the job's test run to start")
            row = _row(redis_url, "d-fix")
            assert row is not None and (row.state, row.phase) == ("running", "Reproducing the failure")
            [running] = _listed(scene, "running")
            assert running[:3] == ["d-fix", "running", "Reproducing the failure"]

            asked = _cli(scene, "cancel", "d-fix")
            assert asked.returncode == 0 and "d-fix" in asked.stdout, asked.stderr
            wait_until(lambda: "ended: cancelled" in worker.log(), STOP_DEADLINE_S, "the job to be cancelled")
            assert _processes_with(marker) == [], "the test run outlived the job"
            client = redis.Redis.from_url(redis_url)
            wait_until(lambda: client.hlen("unacked") == 0, 10, "the cancelled job to be acknowledged")
            assert client.llen(queue_name) == 0 and worker.log().count("ended:") == 1
            assert "handed back" not in worker.log()
    [done] = _listed(scene, "done")
    assert done[:3] == ["d-fix", "done", "cancelled"]
    comments = [c["body"] for c in scene.world.gh.issue_comments(REPO, number)]
    assert any("I stopped the job while it ran" in body for body in comments), comments
    again = _cli(scene, "cancel", "d-fix")
    assert again.returncode == 1 and "already ended (cancelled)" in again.stderr


def test_cancel_ends_a_running_ci_repair_and_completes_its_check_run_cancelled(
    blocking_scene: tuple[Scene, str],  # noqa: F811 (the fixture, imported above)
    redis_url: str,
) -> None:
    scene, marker = blocking_scene
    gh, sha = scene.world.gh, scene.world.base_sha
    failing = {"name": "tests", "conclusion": "failure", "log": quixbugs_ci_log(PARENS)}
    run = gh.add_workflow_run(REPO, "main", sha, jobs=[failing])
    payload = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=run["id"], branch="main", sha=sha)
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "worker.log") as worker,
    ):
        assert scene.deliver("workflow_run", payload, "d-ci").status_code == 202
        wait_until(lambda: _processes_with(marker), 180, "the CI job's test run to start")
        asked = _cli(scene, "cancel", "d-ci")
        assert asked.returncode == 0 and f"({REPO}, CI, running)" in asked.stdout, asked.stderr
        wait_until(lambda: "ended: cancelled" in worker.log(), STOP_DEADLINE_S, "the CI job to be cancelled")
        assert _processes_with(marker) == [], "the test run outlived the job"
        [check] = wait_until(
            lambda: [c for c in gh.check_runs(REPO, sha, "codellama-bot") if c["status"] == "completed"],
            30,
            "the job's check run to complete",
        )
    assert check["conclusion"] == "cancelled" and "codellama-bot cancel" in check["output"]["summary"]
    assert gh.pulls(REPO) == [] and worker.log().count("ended:") == 1
    [done] = _listed(scene, "done")
    assert done[:3] == ["d-ci", "done", "cancelled"]


def test_a_finished_job_is_listed_with_outcome_spend_links_and_its_trajectory(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT], OPERATOR_TOKEN=TOKEN) as scene:
        with (
            processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
            processes.worker(scene.env, scene.tmp / "worker.log"),
        ):
            number = scene.deliver_fix_command("d-done")
            pull = scene.pull_request()
            wait_until(
                lambda: (r := _row(redis_url, "d-done")) is not None and r.state == "done",
                60,
                "the job's row to say it is done",
            )
            page = requests.get(
                f"http://127.0.0.1:{scene.port}/jobs/d-done",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
        [done] = _listed(scene, "done")
    assert done[:4] == ["d-done", "done", "pull_request", f"{REPO}#{number}"]
    row = _row(redis_url, "d-done")
    assert row is not None and row.rounds == 1 and row.tokens > 0
    assert pull["html_url"] in row.links and row.links[0].endswith(f"/issues/{number}")
    assert done[5] == f"{row.tokens} tokens, 1 rounds"
    assert page.status_code == 200 and "<summary>Answer 1</summary>" in page.text
    assert '<span class="add">' in page.text  # the fix's diff
