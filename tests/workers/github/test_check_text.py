"""The Check Run's texts per phase and ending, and the throttle that spaces its writes (an injected clock)."""

from __future__ import annotations

from workers.github import check_text
from workers.github.outcome import JobOutcome, JobStatus
from workers.github.throttle import Updates
from workers.loop.budget import Spend
from workers.loop.progress import Localizing, Publishing, Reproducing, Round, SettingUp
from workers.loop.repair_loop import Attempt, RepairResult, RepairStatus
from workers.runners.process import RunResult

FAILING = ("tests/test_parens.py::test_is_valid_parenthesization",)


def _result(status: RepairStatus, reason: str) -> RepairResult:
    before = RunResult("pytest", 1, "1 failed", 0.5)
    attempts = [
        Attempt(1, 0, True, False, "applied; 1 test still fails"),
        Attempt(2, 0, False, False, "no edit"),
    ]
    return RepairResult(False, reason, before, attempts=attempts, status=status, spend=Spend(rounds=2))


def test_each_phase_says_what_the_job_is_doing_with_its_numbers() -> None:
    texts = [
        check_text.for_phase(SettingUp()),
        check_text.for_phase(Reproducing(FAILING)),
        check_text.for_phase(Localizing(FAILING, (("parens.py", "frame in failing test, spectrum"),))),
        check_text.for_phase(Round(2, 4, tested=3, passed=0, tokens=12_345)),
        check_text.for_phase(Publishing()),
    ]
    assert [(t.status, t.title) for t in texts] == [
        ("in_progress", "Setting up"),
        ("in_progress", "Reproducing the failure"),
        ("in_progress", "Localizing"),
        ("in_progress", "Round 2 of 4"),
        ("in_progress", "Publishing"),
    ]
    assert f"`{FAILING[0]}`" in texts[1].summary
    assert "- `parens.py`: frame in failing test, spectrum" in texts[2].summary
    assert "| 3 | 0 | 12,345 |" in texts[3].summary
    assert all(t.conclusion is None for t in texts)


def test_long_lists_of_failing_tests_and_reasons_are_cut() -> None:
    many = tuple(f"t{i}" for i in range(25))
    assert "and 15 more" in check_text.for_phase(Reproducing(many)).summary
    why = check_text.for_phase(Localizing((), (("a.py", "coverage " * 100),))).summary
    assert len(why) < 300 and why.endswith("…")


def test_a_fix_succeeds_with_its_pull_request_and_an_unfixed_repair_is_neutral_with_its_ledger() -> None:
    url = "https://github.com/o/r/pull/7"
    fixed = check_text.completed(JobOutcome(JobStatus.PULL_REQUEST, url, _result(RepairStatus.FIXED, "ok")))
    assert (fixed.status, fixed.conclusion, fixed.details_url) == ("completed", "success", url)
    assert url in fixed.summary
    reason = "no candidate passed the tests within the round budget (2)"
    gave_up = check_text.completed(
        JobOutcome(JobStatus.GAVE_UP, reason, _result(RepairStatus.GAVE_UP, reason))
    )
    assert (gave_up.conclusion, gave_up.title) == ("neutral", "Gave up")
    assert gave_up.summary.startswith("No candidate passed")
    assert "round 2, candidate 1: no edit" in gave_up.summary and "2 round(s)" in gave_up.summary
    not_reproduced = check_text.completed(JobOutcome(JobStatus.NOT_REPRODUCED, "the tests pass"))
    assert (not_reproduced.conclusion, not_reproduced.title) == ("neutral", "Not reproduced")


def test_a_job_that_could_not_run_fails_and_a_stopped_one_is_cancelled() -> None:
    crashed = check_text.completed(
        JobOutcome(JobStatus.FAILED, "an internal error stopped the job (KeyError)")
    )
    assert crashed.conclusion == "failure" and "KeyError" in crashed.summary
    assert check_text.completed(JobOutcome(JobStatus.MODEL_UNAVAILABLE, "down")).conclusion == "failure"
    assert check_text.cancelled("the worker stopped").conclusion == "cancelled"


def test_a_summary_stays_within_githubs_limit() -> None:
    huge = check_text.completed(JobOutcome(JobStatus.FAILED, "x" * 100_000))
    assert len(huge.summary) <= 65_535


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_writes_at_most_once_per_interval_and_only_the_latest_state() -> None:
    clock = Clock()
    updates: Updates[str] = Updates(5.0, clock)
    assert updates.wait_s() is None  # nothing to write
    updates.put("queued")
    assert updates.take() == "queued"  # the first write goes at once
    updates.put("setting up")
    updates.put("reproducing")
    assert updates.wait_s() == 5.0 and updates.take() is None
    clock.now += 3
    assert updates.wait_s() == 2.0
    clock.now += 2
    assert updates.take() == "reproducing"  # "setting up" was overtaken, never written
    assert updates.take() is None and updates.wait_s() is None


def test_the_final_state_skips_the_interval_and_ends_the_updates() -> None:
    clock = Clock()
    updates: Updates[str] = Updates(5.0, clock)
    updates.put("queued")
    updates.take()
    updates.put("round 1")
    updates.put("completed", final=True)
    updates.put("late phase")  # a phase told after the end is not written
    assert updates.wait_s() == 0.0 and updates.take() == "completed"
    assert updates.finished and updates.wait_s() is None


def test_a_failed_write_is_tried_again_after_a_back_off_unless_a_newer_state_came() -> None:
    clock = Clock()
    updates: Updates[str] = Updates(5.0, clock)
    updates.put("queued")
    state = updates.take()
    assert state is not None
    updates.failed(state, retry_after_s=60)  # GitHub's secondary limit said: in a minute
    assert updates.wait_s() == 60.0
    clock.now += 60
    assert updates.take() == "queued"
    updates.put("round 1")
    clock.now += 5
    state = updates.take()
    assert state == "round 1"
    updates.put("round 2")
    updates.failed(state)  # the newer state is kept, the failed one dropped
    assert updates.wait_s() == 20.0  # four intervals
    clock.now += 20
    assert updates.take() == "round 2"
    updates.put("done", final=True)
    assert updates.take() == "done"
    updates.failed("done", retry_after_s=30)  # even the final state waits out a back-off
    assert updates.wait_s() == 30.0 and not updates.finished
