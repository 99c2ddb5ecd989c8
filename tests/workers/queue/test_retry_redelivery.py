"""A job retried after a transient error runs once, even when its retry countdown outlasts the visibility
timeout; and a copy of a job's message redelivered after the job ended does nothing. A real
`codellama-bot worker` and `serve`, real Redis and git; GitHub and the model stood in.

A retried job waits out its countdown inside the worker as an ETA message, delivered and unacknowledged.
Before, its lease was not renewed while it waited (only jobs taken up were), so kombu's sweep requeued it
once the visibility timeout passed, the worker took the copy too, and at the ETA both copies ran.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import wait_until
from tests.github_world import REPO
from tests.scenes import Scene, parens_scene

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

JOB_S = 180
VISIBILITY_S = 6  # swept every second (celery_app.py); the first retry waits 10 s, longer than this
# The queueing is under test, not the sandbox: the repository is the test's own.
KNOBS = {
    "CELERY_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S),
    "SANDBOX": "false",
    "ALLOW_UNSANDBOXED": "true",
}


@pytest.fixture
def scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT] * 4, **KNOBS) as scene:
        yield scene


def _held_or_queued(client: redis.Redis, queue: str) -> int:
    """Job messages a worker holds unacknowledged or that wait in the queue (any of its priority lists)."""
    lists = [k for k in client.scan_iter(match=f"{queue}*") if client.type(k) == b"list"]
    return int(client.hlen("unacked")) + sum(int(client.llen(k)) for k in lists)


def test_a_retry_waiting_longer_than_the_visibility_timeout_runs_once(
    scene: Scene, redis_url: str, queue_name: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    gh = scene.world.gh
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "worker.log") as worker,
    ):
        # GitHub's git server fails the clone once: the job retries it after a countdown (10 s) longer
        # than the visibility timeout.
        gh.fail_next("GET", r"\.git/info/refs$", 502)
        scene.deliver_fix_command("flaky")
        wait_until(lambda: "job flaky hit a transient error" in worker.log(), JOB_S, "the transient error")
        wait_until(lambda: "job flaky ended: " in worker.log(), JOB_S, "the retried job to end")
        # Every copy of the job has run or gone: none is held or queued any more.
        wait_until(lambda: _held_or_queued(client, queue_name) == 0, JOB_S, "the queue to be empty")
        log = worker.log()
    starts = re.findall(r"job flaky started", log)
    assert len(starts) == 2, log  # the attempt that hit the error, and its one retry
    assert re.findall(r"job flaky ended: (\S+)", log) == ["pull_request"], log
    assert len(scene.tgi.prompts()) == 1
    assert len(gh.pulls(REPO)) == 1


def test_a_copy_redelivered_after_the_job_ended_does_nothing(
    scene: Scene, redis_url: str, queue_name: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "worker.log") as worker,
    ):
        scene.deliver_fix_command("twice")
        # The message as the worker holds it while the job runs: what kombu's sweep puts back on the queue
        # when a lease lapses under a live worker (a Redis outage longer than the renewals allow).
        held = wait_until(lambda: client.hgetall("unacked"), JOB_S, "the worker to hold the job")
        wait_until(lambda: "job twice ended: " in worker.log(), JOB_S, "the job to end")
        [(tag, raw)] = held.items()
        client.hset("unacked", tag, raw)
        client.zadd("unacked_index", {tag: time.time() - 10 * VISIBILITY_S})  # lapsed long ago
        received = lambda: re.findall(r"Task workers.repair\[twice\] received", worker.log())  # noqa: E731
        wait_until(lambda: len(received()) == 2, JOB_S, "the worker to take the copy")
        wait_until(lambda: _held_or_queued(client, queue_name) == 0, JOB_S, "the copy to be acknowledged")
        log = worker.log()
    assert len(re.findall(r"job twice started", log)) == 1, log
    assert "job twice already ended (pull_request)" in log, log
    assert len(scene.tgi.prompts()) == 1
    assert len(scene.world.gh.pulls(REPO)) == 1
