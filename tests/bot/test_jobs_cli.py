"""`codellama-bot jobs` and `cancel` as the real command, on a real Redis: what they print, and one line
with a non-zero exit for a bad state, an unknown job, one that has ended, or Redis gone."""

from __future__ import annotations

import redis

from core.job_registry import JobRegistry
from core.jobs import RepairRequest
from tests.bot.test_cli_errors import _cli, assert_one_line
from tests.conftest import free_port


def _env(redis_url: str) -> dict[str, str]:
    return {"REDIS_URL": redis_url}


def test_jobs_lists_rows_filtered_by_state_and_repository(redis_url: str) -> None:
    rows = JobRegistry(redis.Redis.from_url(redis_url), 3600)
    rows.queued(RepairRequest("issue", 1, "octo/one", "d-queued", issue_number=5), ["https://x/issues/5"])
    ci = RepairRequest("ci", 1, "octo/two", "d-done", head_sha="abc")
    rows.queued(ci, [])
    rows.done("d-done", "gave_up", "no candidate passed", tokens=900, rounds=2, links=["https://x/pull/9"])
    every = _cli(["jobs"], _env(redis_url))
    assert every.returncode == 0, every.stderr
    header, *lines = every.stdout.splitlines()
    assert header.split("\t")[:3] == ["ID", "STATE", "PHASE/OUTCOME"]
    assert [line.split("\t")[:4] for line in lines] == [
        ["d-done", "done", "gave_up", "octo/two"],
        ["d-queued", "queued", "-", "octo/one#5"],
    ]
    assert lines[0].split("\t")[5:] == ["900 tokens, 2 rounds", "https://x/pull/9"]
    rows.requeued("d-queued", "to be retried: GitHub said\n\x1b[31mboom\tnow")
    queued = _cli(["jobs", "--state", "queued"], _env(redis_url)).stdout.splitlines()[1:]
    assert queued[0].split("\t")[2] == "to be retried: GitHub said  [31mboom now"  # one line, no escape
    assert [line.split("\t")[0] for line in queued] == ["d-queued"]
    two = _cli(["jobs", "--repo", "octo/two"], _env(redis_url)).stdout.splitlines()[1:]
    assert [line.split("\t")[0] for line in two] == ["d-done"]


def test_bad_arguments_are_argparse_one_liners(redis_url: str) -> None:
    assert_one_line(_cli(["jobs", "--state", "exploded"], _env(redis_url)), 2, "invalid choice", "--state")
    for repo in ("a/b/c", "octo/<x>"):
        assert_one_line(_cli(["jobs", "--repo", repo], _env(redis_url)), 2, "OWNER/NAME")
    assert_one_line(_cli(["cancel"], _env(redis_url)), 2, "job")


def test_cancel_refuses_unknown_malformed_and_ended_jobs_and_names_a_ci_one(redis_url: str) -> None:
    rows = JobRegistry(redis.Redis.from_url(redis_url), 3600)
    rows.queued(RepairRequest("ci", 1, "octo/two", "d-ci", head_sha="abc"), [])
    rows.queued(RepairRequest("issue", 1, "octo/one", "d-ended", issue_number=5), [])
    rows.done("d-ended", "pull_request", "https://x", tokens=1, rounds=1, links=[])
    for job in ("no-such-job", "../../etc/passwd", "x" * 300):
        assert_one_line(_cli(["cancel", job], _env(redis_url)), 1, "no job", "codellama-bot jobs")
    assert_one_line(_cli(["cancel", "d-ended"], _env(redis_url)), 1, "already ended", "pull_request")
    client = redis.Redis.from_url(redis_url)
    assert client.keys("codellama:cancel:*") == []  # nothing refused was recorded
    # A CI job has no issue to stop it from: cancel names the job itself (workers/queue/stop_watch.py).
    ci = _cli(["cancel", "d-ci"], _env(redis_url))
    assert ci.returncode == 0 and "octo/two, CI" in ci.stdout, ci.stderr
    assert client.keys("codellama:cancel:*") == [b"codellama:cancel:d-ci"]


def test_without_redis_both_say_so_in_one_line() -> None:
    dead = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    assert_one_line(_cli(["jobs"], dead), 1, "does not answer", "REDIS_URL")
    assert_one_line(_cli(["cancel", "d-1"], dead), 1, "does not answer", "REDIS_URL")
