"""Cost and loop guards over a real Redis: a failure given up on is not retried automatically, daily
budgets hold, and the breaker pauses automatic repairs after repeated give-ups until a repair succeeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from core.jobs import RepairRequest
from core.settings import Settings
from workers.checkout.repo_config import RepoConfig
from workers.github.cost_guards import HoldKind, hold_before_start, hold_for_repository, record_end
from workers.queue.repo_memory import RepoMemory

REPO = "octo-org/guarded"


def _request(kind: str) -> RepairRequest:
    return RepairRequest(
        kind=kind, installation_id=1, repo_full_name=REPO, delivery_id="d", head_sha="a" * 40
    )


CI, COMMAND = _request("ci"), _request("issue")


@pytest.fixture
def memory(redis_url: str) -> Iterator[RepoMemory]:
    found = RepoMemory(redis.Redis.from_url(redis_url), REPO)
    yield found
    found.close()


def _end(
    settings: Settings,
    memory: RepoMemory,
    request: RepairRequest,
    *,
    pull: bool = False,
    fp: str | None = None,
) -> bool:
    return record_end(
        settings,
        memory,
        request,
        opened_pull=pull,
        gave_up=not pull,
        fingerprint=fp,
        tokens=1000,
        description="gave up at aaaaaaa",
    )


def test_a_failure_given_up_on_is_not_retried_automatically_but_a_command_still_runs(
    memory: RepoMemory,
) -> None:
    settings = Settings()
    assert hold_before_start(settings, memory, CI, "fp1") is None
    assert _end(settings, memory, CI, fp="fp1") is False
    hold = hold_before_start(settings, memory, CI, "fp1")
    assert hold is not None and hold.kind == HoldKind.REPEATED_FAILURE and not hold.tell
    assert "gave up at aaaaaaa" in hold.detail
    assert hold_before_start(settings, memory, CI, "fp2") is None  # another failure
    assert hold_before_start(settings, memory, COMMAND, None) is None


def test_a_commands_give_up_is_not_remembered_as_a_ci_failure(memory: RepoMemory) -> None:
    settings = Settings()
    _end(settings, memory, COMMAND, fp="fp1")
    assert hold_before_start(settings, memory, CI, "fp1") is None
    assert memory.automatic_give_ups() == 0


def test_the_daily_job_budget_holds_and_commands_hear_it(memory: RepoMemory) -> None:
    settings = Settings(daily_job_budget=2)
    assert hold_before_start(settings, memory, COMMAND, None) is None
    assert hold_before_start(settings, memory, CI, None) is None
    assert memory.jobs_today() == 2
    told = hold_before_start(settings, memory, COMMAND, None)
    quiet = hold_before_start(settings, memory, CI, None)
    assert told is not None and told.kind == HoldKind.OVER_BUDGET and told.tell
    assert "daily budget of 2 jobs" in told.detail and "00:00 UTC" in told.detail
    assert quiet is not None and not quiet.tell
    assert memory.jobs_today() == 2  # held jobs are not counted


def test_the_token_budget_holds_and_a_repository_can_only_lower_budgets(memory: RepoMemory) -> None:
    settings = Settings(daily_token_budget=2500)
    for _ in range(2):
        assert hold_before_start(settings, memory, COMMAND, None) is None
        _end(settings, memory, COMMAND, pull=True)
    # 2,000 of 2,500 spent: the settings allow a third job, the repository's own 2,000 does not.
    assert hold_before_start(settings, memory, COMMAND, None) is None
    held = hold_for_repository(memory, COMMAND, RepoConfig(daily_tokens=2000))
    assert held is not None and "2,000 model tokens (its .github/codellama.yml)" in held.detail
    assert hold_for_repository(memory, COMMAND, RepoConfig(daily_tokens=10**9)) is None
    assert hold_for_repository(memory, COMMAND, RepoConfig(daily_jobs=3)) is None  # this job is the third
    assert hold_for_repository(memory, COMMAND, RepoConfig(daily_jobs=2)) is not None
    _end(settings, memory, COMMAND, pull=True)
    over = hold_before_start(settings, memory, COMMAND, None)
    assert over is not None and "(3,000)" in over.detail


def test_the_breaker_trips_once_pauses_automatic_repairs_and_a_pull_request_resumes_them(
    memory: RepoMemory,
) -> None:
    settings = Settings(auto_give_ups_before_pause=2)
    assert [_end(settings, memory, CI, fp=f"fp{i}") for i in range(3)] == [False, True, False]
    paused = hold_before_start(settings, memory, CI, "new")
    assert paused is not None and paused.kind == HoldKind.PAUSED
    assert hold_before_start(settings, memory, COMMAND, None) is None  # commands still work
    _end(settings, memory, COMMAND, pull=True)
    assert hold_before_start(settings, memory, CI, "new") is None


def test_a_ci_job_someone_re_ran_is_a_persons_request_not_an_automatic_one(memory: RepoMemory) -> None:
    settings = Settings(auto_give_ups_before_pause=1)
    _end(settings, memory, CI, fp="fp1")  # pauses automatic repairs
    rerun = RepairRequest(**{**CI.__dict__, "requested_by": "alice"})
    assert hold_before_start(settings, memory, CI, "fp1") is not None
    assert hold_before_start(settings, memory, rerun, "fp1") is None
