"""A worker that dies mid-job, with DEFAULT lease settings: real redis-server, `codellama-bot serve` and two
`codellama-bot worker` processes, real git; only GitHub and the model are stand-ins.

The first worker is inside its job, waiting for the model, when it is killed (SIGKILL, as the OOM killer
does) or stopped as `docker stop` stops it (SIGTERM to the main process only). A second worker, already
running, must take the job up and open exactly one pull request.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import wait_until
from tests.github_world import REPO
from tests.scenes import HeldModel, Scene, parens_scene

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The issue's promise: another worker takes a dead worker's job up within two minutes.
RESUME_DEADLINE_S = 120
# `docker stop` sends SIGKILL this long after SIGTERM.
DOCKER_STOP_GRACE_S = 10


@pytest.fixture
def scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    # The first worker is inside its job, waiting for the model, when it is stopped.
    model = HeldModel(PARENS_RIGHT, hold_s=RESUME_DEADLINE_S + 60)
    # No lease or lock setting here: the defaults are what is under test.
    with parens_scene(
        tmp_path, redis_url, queue_name, model, TGI_TIMEOUT_S=str(RESUME_DEADLINE_S + 60)
    ) as scene:
        yield scene


def _one_pull_request_and_one_link(scene: Scene, number: int, *workers: processes.BotProcess) -> None:
    gh = scene.world.gh
    pr = wait_until(lambda: gh.pulls(REPO), 180, "the pull request")[0]
    finished = lambda: any("ended: pull_request" in w.log() for w in workers)  # noqa: E731
    wait_until(finished, 60, "a worker to finish the job")
    assert len(gh.pulls(REPO)) == 1, gh.pulls(REPO)
    assert pr["head"]["ref"] == f"codellama/fix-issue-{number}"
    links = [c for c in gh.issue_comments(REPO, number) if pr["html_url"] in c["body"]]
    assert len(links) == 1, gh.issue_comments(REPO, number)


def _default(name: str) -> float:
    """A setting's default, whatever the environment of the test run says."""
    return float(Settings.model_fields[name].default)


def test_defaults_give_a_lease_that_lapses_within_two_minutes() -> None:
    # The lease (visibility timeout) plus one sweep stays inside the promise, and the dead worker's
    # branch lock has lapsed by then.
    assert _default("celery_visibility_timeout_s") + 10 < RESUME_DEADLINE_S
    assert _default("job_lock_ttl_s") < _default("celery_visibility_timeout_s")


def test_a_sigkilled_worker_s_job_is_taken_up_by_another_within_two_minutes(scene: Scene) -> None:
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "doomed.log", name="doomed") as doomed,
    ):
        number = scene.deliver_fix_command("recovery")
        wait_until(lambda: scene.held.prompts, 120, "the first worker to ask the model")
        with processes.worker(scene.env, scene.tmp / "heir.log", name="heir") as heir:
            doomed.kill(signal.SIGKILL)  # the whole process group, as the OOM killer or SIGKILL leaves it
            killed_at = time.monotonic()
            wait_until(lambda: len(scene.held.prompts) >= 2, RESUME_DEADLINE_S, "the second worker to resume")
            scene.held.release.set()
            _one_pull_request_and_one_link(scene, number, heir)
    assert scene.held.prompts[1][0] - killed_at < RESUME_DEADLINE_S
    assert "handed back" not in doomed.log()  # SIGKILL leaves no chance: the lease lapsed


def test_sigterm_hands_the_job_back_at_once_as_docker_stop_sends_it(scene: Scene) -> None:
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "stopped.log", name="stopped") as stopped,
    ):
        number = scene.deliver_fix_command("recovery")
        wait_until(lambda: scene.held.prompts, 120, "the first worker to ask the model")
        with processes.worker(scene.env, scene.tmp / "heir.log", name="heir") as heir:
            # `docker stop` signals the container's first process only, here the worker's main process.
            os.kill(stopped.proc.pid, signal.SIGTERM)
            # It exits by itself before docker's SIGKILL would come...
            wait_until(lambda: stopped.proc.poll() is not None, DOCKER_STOP_GRACE_S, "the worker to exit")
            # ...and the job is taken up again before its lease could lapse: it was handed back.
            wait_until(
                lambda: len(scene.held.prompts) >= 2,
                _default("celery_visibility_timeout_s") / 2,
                "the second worker to take the handed-back job",
            )
            scene.held.release.set()
            _one_pull_request_and_one_link(scene, number, heir)
    assert "handed back" in stopped.log(), stopped.log()
    assert "ended: pull_request" not in stopped.log()


def test_an_oom_killed_pool_process_s_job_is_requeued_at_once(scene: Scene) -> None:
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "hit.log", name="hit") as hit,
    ):
        number = scene.deliver_fix_command("recovery")
        wait_until(lambda: scene.held.prompts, 120, "the first worker to ask the model")
        with processes.worker(scene.env, scene.tmp / "heir.log", name="heir") as heir:
            # The OOM killer picks the process that holds the memory: the pool process running the job,
            # while the worker's main process lives on.
            [pool_process] = _children(hit.proc.pid)
            os.kill(pool_process, signal.SIGKILL)
            # Celery sees its pool process lost and requeues the job at once (task_reject_on_worker_lost);
            # either worker may take it up, as soon as the dead process's branch lock lapses.
            wait_until(lambda: len(scene.held.prompts) >= 2, RESUME_DEADLINE_S, "a worker to resume the job")
            scene.held.release.set()
            _one_pull_request_and_one_link(scene, number, hit, heir)
        assert hit.proc.poll() is None  # the worker itself survived
    assert "Worker exited prematurely: signal 9 (SIGKILL)" in hit.log()
    assert "handed back" not in hit.log() + heir.log()


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
