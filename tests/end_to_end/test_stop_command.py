"""`/codellama stop` ends a running job within 30 s with nothing left behind: real redis-server,
`codellama-bot serve` and `worker` processes, real git and sandbox; GitHub and the model are stand-ins.

The repository's test command blocks until it is killed, so the job is caught inside a test run when the
stop arrives: the run must be killed, the job's checkout and worktrees removed, a comment must say so, and
the job must be acknowledged, not retried.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests import payloads, processes
from tests.bugs import PARENS, PARENS_RIGHT, quixbugs_repo
from tests.conftest import free_port, wait_until
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, github_world
from tests.scenes import Scene, bot_env
from tests.stand_ins.tgi_server import TGIStandIn
from tests.workers.github.test_job import _push_branch
from workers.github.check_run import CHECK_NAME

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STOP_DEADLINE_S = 30  # the issue's promise


def _processes_with(marker: str) -> list[int]:
    """Host pids whose command line holds `marker` (a sandboxed process is visible from the host too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile
    return found


@pytest.fixture
def blocking_scene(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[tuple[Scene, str]]:
    marker = f"codellama-stop-marker-{uuid.uuid4().hex[:8]}"
    files = quixbugs_repo(PARENS)
    files[".github/codellama.yml"] = (
        f"setup: 'true'\ntest: \"python3 -c 'import time; time.sleep(600)' {marker}\"\n"
    )
    with github_world(tmp_path / "github", files) as world, TGIStandIn([PARENS_RIGHT] * 4) as tgi:
        env = bot_env(world, tgi, tmp_path, redis_url, queue_name, BOT_MAX_ITERATIONS="1", TGI_RETRIES="0")

        yield Scene(world, tgi, env, tmp_path, free_port(), None), marker
    for pid in _processes_with(marker):  # a failed test must not leave its sleeper behind
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("on", ["issue", "pull request"])
def test_stop_ends_a_running_job_within_30_s_and_leaves_nothing(
    blocking_scene: tuple[Scene, str], redis_url: str, queue_name: str, on: str
) -> None:
    scene, marker = blocking_scene
    gh = scene.world.gh
    head = None
    if on == "pull request":
        _push_branch(scene.world, scene.tmp, "feature")
        number = gh.add_pull(REPO, "feature", "main", title="Add notes")
        head = gh.pulls(REPO)[0]["head"]["sha"]
    with (
        processes.serve(scene.env, scene.port, scene.tmp / "serve.log"),
        processes.worker(scene.env, scene.tmp / "worker.log") as worker,
    ):
        if head is None:
            number = scene.deliver_fix_command("d-fix")
        else:
            fix = gh.add_issue_comment(REPO, number, "/codellama fix", user=MAINTAINER)
            command = payloads.issue_comment(
                REPO,
                INSTALLATION_ID,
                number=number,
                comment_id=fix["id"],
                body="/codellama fix",
                login=MAINTAINER,
                on_pull_request=True,
            )
            assert scene.deliver("issue_comment", command, "d-fix").status_code == 202
        wait_until(lambda: _processes_with(marker), 180, "the job's test run to start")
        jobs = scene.tmp / "work" / "jobs"
        assert any(jobs.iterdir()), "the running job has a checkout"

        stop = gh.add_issue_comment(REPO, number, "/codellama stop", user=MAINTAINER)
        payload = payloads.issue_comment(
            REPO,
            INSTALLATION_ID,
            number=number,
            comment_id=stop["id"],
            body="/codellama stop",
            login=MAINTAINER,
        )
        asked = time.monotonic()
        reply = scene.deliver("issue_comment", payload, "d-stop")
        assert reply.status_code == 200 and "stop of d-fix" in reply.text, reply.text

        wait_until(lambda: "ended: cancelled" in worker.log(), STOP_DEADLINE_S, "the job to end as cancelled")
        took = time.monotonic() - asked
        assert _processes_with(marker) == [], "the test run outlived the job"
        assert list(jobs.iterdir()) == [], "the job's checkout or worktrees are left"
        comments = [c["body"] for c in gh.issue_comments(REPO, number)]
        assert any("I stopped the job while it ran" in body for body in comments), comments
        assert [p["number"] for p in gh.pulls(REPO)] == ([] if head is None else [number])
        if head is not None:
            # The pull request's head shows the job's check, ended as stopped.
            [check] = gh.check_runs(REPO, head, CHECK_NAME)
            last = gh.check_run_history(check["id"])[-1]
            assert (last["status"], last["conclusion"], last["title"]) == (
                "completed",
                "cancelled",
                "Stopped",
            )
            assert "`/codellama stop`" in (last["summary"] or "")
        # Acknowledged, not retried or handed back: nothing waits in the queue or unacknowledged.
        client = redis.Redis.from_url(redis_url)
        wait_until(lambda: client.hlen("unacked") == 0, 10, "the stopped job to be acknowledged")
        assert client.llen(queue_name) == 0
        assert worker.log().count("ended:") == 1 and "handed back" not in worker.log()
    assert took < STOP_DEADLINE_S


def test_a_queued_job_that_was_stopped_ends_without_work(blocking_scene: tuple[Scene, str]) -> None:
    scene, marker = blocking_scene
    gh = scene.world.gh
    with processes.serve(scene.env, scene.port, scene.tmp / "serve.log"):
        number = scene.deliver_fix_command("d-fix")  # queued; no worker runs yet
        stop = gh.add_issue_comment(REPO, number, "/codellama stop", user=MAINTAINER)
        payload = payloads.issue_comment(
            REPO,
            INSTALLATION_ID,
            number=number,
            comment_id=stop["id"],
            body="/codellama stop",
            login=MAINTAINER,
        )
        assert scene.deliver("issue_comment", payload, "d-stop").status_code == 200
        with processes.worker(scene.env, scene.tmp / "worker.log") as worker:
            wait_until(lambda: "ended: cancelled" in worker.log(), 60, "the queued job to end as cancelled")
    comments = [c["body"] for c in gh.issue_comments(REPO, number)]
    assert any("I stopped the job before it started" in body for body in comments), comments
    assert not (scene.tmp / "work" / "jobs").exists() or list((scene.tmp / "work" / "jobs").iterdir()) == []
    assert _processes_with(marker) == [] and gh.pulls(REPO) == []
