"""GitHub out of reach for longer than PyGithub's own retries (ten 5xx in a row): the job is retried after a
countdown, like any transient error, instead of failing with nobody told. A real `codellama-bot worker` and
`serve`, real Redis and git; GitHub and the model stood in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import wait_until
from tests.github_world import REPO
from tests.scenes import Scene, parens_scene
from workers.queue.tasks import unreachable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

JOB_S = 180
# The queueing is under test, not the sandbox: the repository is the test's own.
KNOBS = {"SANDBOX": "false", "ALLOW_UNSANDBOXED": "true"}


@pytest.fixture
def scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Scene]:
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT] * 4, **KNOBS) as scene:
        yield scene


def test_a_job_outlasting_pygithubs_retries_is_retried_and_opens_its_pull_request(scene: Scene) -> None:
    gh = scene.world.gh
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "worker.log") as worker,
    ):
        # PyGithub retries a 5xx ten times at once; the eleventh answer ends its patience (RetryError).
        gh.fail_next("GET", rf"^/repos/{REPO}$", 502, times=11)
        scene.deliver_fix_command("outage")
        wait_until(lambda: "job outage hit a transient error" in worker.log(), JOB_S, "the transient error")
        wait_until(lambda: "job outage ended: " in worker.log(), JOB_S, "the retried job to end")
        log = worker.log()
    assert "GitHub did not answer (RetryError" in log, log[-3000:]
    assert re.findall(r"job outage ended: (\S+)", log) == ["pull_request"], log[-3000:]
    assert len(gh.pulls(REPO)) == 1


def test_the_reason_is_one_line_naming_the_failure() -> None:
    reason = str(unreachable(requests.ConnectionError("Max retries exceeded\nwith url: /repos/o/r")))
    assert reason == "GitHub did not answer (ConnectionError: Max retries exceeded)"
    assert str(unreachable(requests.Timeout())) == "GitHub did not answer (Timeout)"
