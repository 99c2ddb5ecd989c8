"""What the worker writes in a job's row (workers/queue/job_rows.py), on a real Redis: the phase by the
Check Run's title with the spend so far, and at the end the outcome, spend and links."""

from __future__ import annotations

import redis

from core.job_registry import JobRegistry
from core.jobs import RepairRequest
from workers.github.outcome import JobOutcome, JobStatus
from workers.loop.budget import Spend
from workers.loop.progress import Localizing, Reproducing, Round
from workers.loop.repair_loop import RepairResult
from workers.queue.job_rows import RowProgress, ended
from workers.runners.process import RunResult

REQUEST = RepairRequest("issue", 1, "octo/repo", "d-rows", issue_number=4)
API = "https://api.github.com"


def _registry(redis_url: str) -> JobRegistry:
    rows = JobRegistry(redis.Redis.from_url(redis_url), 3600)
    rows.queued(REQUEST, [])
    return rows


def test_phases_are_the_check_runs_titles_with_the_spend_so_far(redis_url: str) -> None:
    rows = _registry(redis_url)
    progress = RowProgress(rows, "d-rows")
    seen = []
    for phase in (Reproducing(), Localizing(), Round(number=2, of=4, tested=3, passed=0, tokens=777)):
        progress.phase(phase)
        row = rows.get("d-rows")
        assert row is not None
        seen.append((row.phase, row.tokens, row.rounds))
    assert seen == [("Reproducing the failure", 0, 0), ("Localizing", 0, 0), ("Round 2 of 4", 777, 1)]


def test_the_end_records_outcome_spend_and_what_the_job_opened(redis_url: str) -> None:
    rows = _registry(redis_url)
    spend = Spend(rounds=2, prompt_tokens=1000, generated_tokens=234)
    result = RepairResult(True, "fixed", RunResult("pytest", 1, "", 1.0), spend=spend)
    pull = "https://github.com/octo/repo/pull/5"
    ended(rows, REQUEST, JobOutcome(JobStatus.PULL_REQUEST, pull, result), API)
    row = rows.get("d-rows")
    assert row is not None
    assert (row.state, row.outcome, row.tokens, row.rounds) == ("done", "pull_request", spend.tokens, 2)
    assert row.links == ("https://github.com/octo/repo/issues/4", pull)


def test_a_detail_that_is_not_an_address_is_no_link(redis_url: str) -> None:
    rows = _registry(redis_url)
    ended(rows, REQUEST, JobOutcome(JobStatus.GAVE_UP, "javascript:alert(1)"), API)
    ended(rows, REQUEST, JobOutcome(JobStatus.ALREADY_DONE, "javascript:alert(1)"), API)
    row = rows.get("d-rows")
    assert row is not None and row.links == ("https://github.com/octo/repo/issues/4",)
    assert (row.outcome, row.tokens) == ("already_done", 0)
