"""The job's Check Run, read back from the GitHub stand-in's history: the states and summaries a job that
succeeds and one that gives up leave on the commit, and a repository where the App may not write checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from bot.job_memory import RedisJobMemory
from core.jobs import RepairRequest
from tests.bugs import PARENS, PARENS_PATH, PARENS_RIGHT, PARENS_WRONG, quixbugs_ci_log, quixbugs_repo
from tests.github_world import INSTALLATION_ID, REPO, World, github_world, issue_request
from tests.stand_ins.tgi_server import TGIStandIn
from tests.workers.github.test_job import _push_branch, _settings
from workers.github.check_run import CHECK_NAME
from workers.github.job import run_github_job

pytestmark = pytest.mark.slow

# The phases in the order a job passes them; the throttle may merge neighbours, never reorder them.
ORDER = ["Queued", "Setting up", "Reproducing the failure", "Localizing", "Round", "Publishing"]


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as w:
        yield w


def _history(world: World, sha: str) -> list[dict[str, str | None]]:
    [check] = world.gh.check_runs(REPO, sha, CHECK_NAME)
    return world.gh.check_run_history(check["id"])


def _phases_in_order(history: list[dict[str, str | None]]) -> list[str]:
    """The titles of the in-progress states, each mapped to its place in ORDER, checked never to go back."""
    places = [next(i for i, p in enumerate(ORDER) if (h["title"] or "").startswith(p)) for h in history[:-1]]
    assert places == sorted(places), [h["title"] for h in history]
    return [h["title"] or "" for h in history[:-1]]


def _ci_request(world: World) -> RepairRequest:
    log = quixbugs_ci_log(PARENS)
    failed = {"name": "pytest", "conclusion": "failure", "output": {"title": "1 failed", "text": log}}
    suite = world.gh.add_check_suite(REPO, "main", world.base_sha, check_runs=[failed])
    return RepairRequest(
        kind="ci",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id="check-run",
        head_branch="main",
        head_sha=world.base_sha,
        check_suite_id=suite["id"],
    )


def test_a_ci_job_that_succeeds_shows_each_phase_then_success_with_its_pull_request(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        settings = _settings(world, tmp_path, tgi.url, redis_url)
        outcome = run_github_job(
            settings.model_copy(update={"github_check_run_interval_s": 0}), _ci_request(world)
        )
    assert outcome.status == "pull_request", outcome
    history = _history(world, world.base_sha)
    titles = _phases_in_order(history)
    assert (history[0]["status"], titles[0]) == ("queued", "Queued")
    assert {"Setting up", "Reproducing the failure", "Round 1 of 2"} <= set(titles), titles
    assert all(h["status"] == "in_progress" for h in history[1:-1])
    reproducing = next(h for h in history if h["title"] == "Reproducing the failure")
    assert f"test_{PARENS}" in (reproducing["summary"] or "")  # the test CI reported failing
    localized = [h["summary"] or "" for h in history if h["title"] == "Localizing"]
    assert any(f"`{PARENS_PATH}`" in s for s in localized), localized  # the top file, with why
    last = history[-1]
    assert (last["status"], last["conclusion"], last["title"]) == ("completed", "success", "Fixed")
    assert last["details_url"] == outcome.detail and outcome.detail in (last["summary"] or "")
    assert "round 1, candidate 1" in (last["summary"] or "")
    # The fix's line is annotated on the commit, with the code that replaces it.
    [check] = world.gh.check_runs(REPO, world.base_sha, CHECK_NAME)
    [note] = world.gh.check_run_annotations(check["id"])
    assert (note["path"], note["start_line"], note["end_line"]) == (PARENS_PATH, 12, 12), note
    assert note["raw_details"] == "    return depth == 0" and outcome.detail in str(note["message"])


def test_a_command_on_a_pull_request_that_gives_up_ends_neutral_with_its_ledger_on_the_head(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    _push_branch(world, tmp_path, "feature")
    number = world.gh.add_pull(REPO, "feature", "main", title="Add notes")
    head = world.gh.pulls(REPO)[0]["head"]["sha"]
    with TGIStandIn([PARENS_WRONG, PARENS_WRONG]) as tgi:
        settings = _settings(world, tmp_path, tgi.url, redis_url)
        request = issue_request(number, is_pull_request=True)
        outcome = run_github_job(settings.model_copy(update={"github_check_run_interval_s": 0}), request)
    assert outcome.status == "gave_up", outcome
    assert world.gh.check_runs(REPO, world.base_sha, CHECK_NAME) == []  # on the pull request's head only
    history = _history(world, head)
    titles = _phases_in_order(history)
    assert titles[0] == "Queued" and "Round 2 of 2" in titles, titles
    rounds = [h["summary"] or "" for h in history if (h["title"] or "").startswith("Round")]
    assert "| candidates tested | passed | model tokens spent |" in rounds[-1]
    last = history[-1]
    assert (last["status"], last["conclusion"], last["title"]) == ("completed", "neutral", "Gave up")
    assert last["actions"] == "retry"  # its button runs the job again (tests/bot/test_rerun_routing.py)
    # What a "Re-run" of this check runs again: the worker remembers it for the receiver.
    memory = RedisJobMemory(redis.Redis.from_url(redis_url), ttl_s=60)
    assert memory.for_commit(REPO, head) == request
    summary = last["summary"] or ""
    assert "round 1, candidate 1" in summary and "round 2, candidate 1" in summary and "2 round(s)" in summary
    # The person still hears it in the pull request's conversation too.
    assert "could not fix" in world.gh.issue_comments(REPO, number)[0]["body"]


def test_without_checks_write_the_repository_still_gets_its_fix(
    world: World, tmp_path: Path, redis_url: str
) -> None:
    refused = {
        "message": "Resource not accessible by integration",
        "documentation_url": "https://docs.github.com",
    }
    world.gh.fail_next("POST", r"/check-runs$", 403, times=5, body=refused)
    with TGIStandIn([PARENS_RIGHT]) as tgi:
        outcome = run_github_job(_settings(world, tmp_path, tgi.url, redis_url), _ci_request(world))
    assert outcome.status == "pull_request", outcome
    assert world.gh.check_runs(REPO, world.base_sha, CHECK_NAME) == []
    posts = [r for r in world.gh.requests if r[0] == "POST" and r[1].endswith("/check-runs")]
    assert [status for _, _, status in posts] == [403]  # refused once, not asked again
