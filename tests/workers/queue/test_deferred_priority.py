"""A job deferred by REPO_CONCURRENCY keeps its priority: a real `codellama-bot worker` and `serve`, real
Redis and git; GitHub and the model stood in. The test holds the repository's one slot itself (a RepoSlot
on the same Redis key), so it decides when the slot frees.

A command deferred while the slot is taken must run before an automatic CI repair queued when the slot
frees: the command waits out its countdown in the worker, the CI repair is taken from the queue at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from core.jobs import AUTOMATIC_PRIORITY, COMMAND_PRIORITY
from tests import payloads, processes
from tests.bugs import PARENS, PARENS_RIGHT, quixbugs_ci_log
from tests.conftest import wait_until
from tests.github_world import INSTALLATION_ID, REPO
from tests.scenes import Scene, parens_scene
from workers.queue.repo_slots import RepoSlot
from workers.queue.tasks import MAX_TRANSIENT_RETRIES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

JOB_S = 180
# The queueing is under test, not the sandbox: the repository is the test's own.
KNOBS = {"REPO_CONCURRENCY": "1", "SANDBOX": "false", "ALLOW_UNSANDBOXED": "true"}


@pytest.fixture
def scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT] * 4, **KNOBS) as scene:
        yield scene


def _red_ci_run(scene: Scene) -> dict[str, object]:
    """GitHub's workflow_run delivery for a red CI run on main, as the receiver queues it (priority 6)."""
    gh, sha = scene.world.gh, scene.world.base_sha
    failing = {"name": "tests", "conclusion": "failure", "log": quixbugs_ci_log(PARENS)}
    run = gh.add_workflow_run(REPO, "main", sha, jobs=[failing])
    return payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=run["id"], branch="main", sha=sha)


def _lines(worker: processes.BotProcess, pattern: str) -> list[str]:
    return re.findall(pattern, worker.log())


def _waiting_priorities(client: redis.Redis) -> dict[str, int]:
    """The priority of each job message a worker holds unacknowledged (a deferred job waits there for its
    countdown), by task id: what kombu would put it back on the queue with."""
    held = {}
    for raw in client.hvals("unacked"):
        message = json.loads(raw)[0]
        held[message["headers"]["id"]] = message["properties"]["priority"]
    return held


def test_a_deferred_command_goes_ahead_of_a_ci_repair_queued_when_the_slot_frees(
    scene: Scene, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    red_run = _red_ci_run(scene)
    env = {**scene.env, **KNOBS}
    with (
        processes.serve(env, scene.port, scene.tmp / "serve.log"),
        processes.worker(env, scene.tmp / "worker.log", concurrency=2) as worker,
    ):
        busy = RepoSlot(client, REPO, 1, ttl_s=30)
        busy.__enter__()
        try:
            scene.deliver_fix_command("command")
            wait_until(lambda: _lines(worker, r"job command deferred"), JOB_S, "the command to be deferred")
            # The re-queued message keeps the command's priority.
            wait_until(
                lambda: _waiting_priorities(client).get("command") == COMMAND_PRIORITY,
                30,
                "the deferred command to wait with its priority",
            )
        finally:
            busy.__exit__(None, None, None)
        # The slot is free, the command waits out its countdown (up to 10 s), and a CI repair arrives now.
        assert scene.deliver("workflow_run", red_run, "ci-automatic").status_code == 202
        wait_until(
            lambda: len(_lines(worker, r"job (\S+) ended: ")) >= 2, JOB_S, "both jobs to end", interval_s=0.2
        )
        ended = _lines(worker, r"job (\S+) ended: ")
        waiting = _waiting_priorities(client)
    assert ended[:2] == ["command", "ci-automatic"], worker.log()
    # The CI repair waited its turn, deferred like any job over the limit, with its own priority kept.
    assert _lines(worker, r"job ci-automatic deferred"), worker.log()
    assert waiting.get("ci-automatic", AUTOMATIC_PRIORITY) == AUTOMATIC_PRIORITY


def test_a_job_deferred_more_often_than_it_may_be_retried_still_runs(scene: Scene, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    env = {**scene.env, **KNOBS}
    waits = MAX_TRANSIENT_RETRIES + 2
    with (
        processes.serve(env, scene.port, scene.tmp / "serve.log"),
        processes.worker(env, scene.tmp / "worker.log") as worker,
    ):
        # A claim with a short TTL: the job's countdown follows it (about 2 s), so the waits come quickly.
        with RepoSlot(client, REPO, 1, ttl_s=2):
            scene.deliver_fix_command("patient")
            wait_until(
                lambda: len(_lines(worker, r"job patient deferred")) >= waits, JOB_S, f"{waits} deferrals"
            )
        wait_until(
            lambda: _lines(worker, r"job patient ended: "), JOB_S, "the job to run once the slot frees"
        )
    assert "MaxRetriesExceeded" not in worker.log()
    assert _lines(worker, r"job patient ended: (\S+)") == ["pull_request"]
