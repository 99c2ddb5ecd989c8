"""More than one worker on one Redis: real redis-server, `codellama-bot serve` and `worker` processes (each
with its own --hostname and BOT_WORKDIR, as on separate hosts), real git; GitHub and the model stood in.

- two workers share the queue and no job runs twice;
- with one busy worker, a command queued after an automatic CI repair runs before it (priorities);
- a repository at REPO_CONCURRENCY defers its next job, which runs once a slot frees.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.enqueue import CeleryEnqueuer
from core.jobs import RepairRequest
from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import wait_until
from tests.github_world import INSTALLATION_ID, REPO
from tests.scenes import HeldModel, Scene, parens_scene
from workers.queue.celery_app import make_celery

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

JOB_S = 180


@pytest.fixture
def scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    # The first request waits until the test releases it; every other one is answered at once.
    with parens_scene(tmp_path, redis_url, queue_name, HeldModel(PARENS_RIGHT, hold_s=JOB_S)) as scene:
        yield scene


def _env(scene: Scene, host: str, **knobs: str) -> dict[str, str]:
    return {**scene.env, "BOT_WORKDIR": str(scene.tmp / f"work-{host}"), **knobs}


def _ended(*workers: processes.BotProcess) -> list[str]:
    """The delivery ids of the jobs the workers finished, once per finish."""
    return [m for w in workers for m in re.findall(r"job (\S+) ended: ", w.log())]


def _started(worker: processes.BotProcess) -> list[str]:
    return re.findall(r"job (\S+) started: ", worker.log())


def test_two_workers_share_the_queue_and_no_job_runs_twice(scene: Scene) -> None:
    jobs = 4
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(_env(scene, "A"), scene.tmp / "A.log", name="A") as a,
        processes.worker(_env(scene, "B"), scene.tmp / "B.log", name="B") as b,
    ):
        numbers = [scene.deliver_fix_command(f"job-{i}") for i in range(jobs)]
        # One worker is held inside the first job it took; the other must take every other job.
        wait_until(lambda: scene.held.prompts, JOB_S, "the first job to ask the model")
        wait_until(lambda: len(_ended(a, b)) == jobs - 1, JOB_S * 2, "the free worker to do the other jobs")
        scene.held.release.set()
        wait_until(lambda: len(_ended(a, b)) == jobs, JOB_S, "the held job to finish")
        gh = scene.world.gh
        pulls = gh.pulls(REPO)
        ended = _ended(a, b)
    assert sorted(ended) == sorted(f"job-{i}" for i in range(jobs)), ended  # each job once, none twice
    assert _ended(a) and _ended(b)  # both hosts worked
    assert len(scene.held.prompts) == jobs
    assert sorted(p["head"]["ref"] for p in pulls) == sorted(f"codellama/fix-issue-{n}" for n in numbers)
    for number in numbers:
        link = [c for c in gh.issue_comments(REPO, number) if "/pull/" in c["body"]]
        assert len(link) == 1, gh.issue_comments(REPO, number)


def test_a_command_goes_ahead_of_an_automatic_ci_repair_queued_before_it(
    scene: Scene, queue_name: str
) -> None:
    settings = scene.world.settings(scene.env["REDIS_URL"], queue_name)
    enqueuer = CeleryEnqueuer(make_celery(settings))
    automatic = RepairRequest(
        kind="ci",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id="ci-automatic",
        head_branch="feature",
        head_sha="f" * 40,
        workflow_run_id=4242,
    )
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(_env(scene, "only"), scene.tmp / "only.log", name="only") as only,
    ):
        scene.deliver_fix_command("busy")
        wait_until(lambda: scene.held.prompts, JOB_S, "the worker to be busy inside a job")
        enqueuer.enqueue(automatic)
        scene.deliver_fix_command("command")
        scene.held.release.set()
        wait_until(lambda: len(_started(only)) >= 3, JOB_S, "the worker to start both queued jobs")
        started = _started(only)
    assert started[:3] == ["busy", "command", "ci-automatic"], only.log()


def test_a_repository_at_its_limit_defers_the_next_job_until_a_slot_frees(scene: Scene) -> None:
    # Two pool processes, but one job at a time on the repository.
    env = _env(scene, "A", REPO_CONCURRENCY="1")
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(env, scene.tmp / "A.log", name="A", concurrency=2) as worker,
    ):
        scene.deliver_fix_command("first")
        wait_until(lambda: scene.held.prompts, JOB_S, "the first job to ask the model")
        scene.deliver_fix_command("second")
        wait_until(lambda: "job second deferred" in worker.log(), JOB_S, "the second job to be deferred")
        # Deferred again while the first holds the slot, and never started on the model.
        wait_until(lambda: worker.log().count("job second deferred") >= 2, 30, "a second deferral")
        assert len(scene.held.prompts) == 1
        released_at = time.monotonic()
        scene.held.release.set()
        wait_until(lambda: sorted(_ended(worker)) == ["first", "second"], JOB_S, "both jobs to finish")
    assert len(scene.held.prompts) == 2 and scene.held.prompts[1][0] > released_at
    assert len(scene.world.gh.pulls(REPO)) == 2
