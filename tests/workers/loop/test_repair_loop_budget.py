"""Budgets per job: rounds, model tokens and wall time stop the loop; the first winner ends it; what the
job spent is recorded and reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from tests.repair_repos import ADD_RIGHT, ADD_WRONG, CALC_REPO, attempt_notes, repair_loop, task
from tests.stand_ins.tgi_server import TGIStandIn
from workers.github import report_text
from workers.loop.budget import Spend, exhausted
from workers.loop.repair_config import repair_config
from workers.loop.repair_loop import RepairStatus

pytestmark = pytest.mark.slow


def test_the_first_winner_ends_the_job_and_the_pull_request_says_what_it_spent(tmp_path: Path) -> None:
    with (
        TGIStandIn([ADD_WRONG, ADD_RIGHT]) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, max_rounds=3) as loop,
    ):
        result = loop.run(task())
        prompts = tgi.prompts()
    assert result.status == RepairStatus.FIXED and result.rounds == 2 and len(prompts) == 2
    # The second round's prompt carries what failed after the first answer.
    assert "test_add" in prompts[1] and "assert -1 == 5" in prompts[1]
    spend = result.spend
    assert spend.candidates_generated == 2 and spend.candidates_tested == 2
    assert spend.generated_tokens > 0 and spend.prompt_tokens > spend.generated_tokens
    assert spend.test_s > 0 and spend.wall_s >= spend.test_s + spend.model_s
    body = report_text.pull_body(result, link_line="", command="pytest", files=["calc.py"])
    assert "Spent: 2 round(s), 2 candidate(s) (2 tested)" in body


def test_the_round_budget_stops_the_loop(tmp_path: Path) -> None:
    with (
        TGIStandIn(lambda prompt, parameters: ADD_WRONG) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, max_rounds=2) as loop,
    ):
        result = loop.run(task())
        assert len(tgi.requests) == 2
    assert result.status == RepairStatus.GAVE_UP and result.rounds == 2
    assert "stopped by the round budget (2)" in result.reason and "still fail" in attempt_notes(result)[1]


def test_the_token_budget_stops_the_loop_after_the_round_that_spent_it(tmp_path: Path) -> None:
    with (
        TGIStandIn(lambda prompt, parameters: ADD_WRONG) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, max_rounds=5, max_tokens=50) as loop,
    ):
        result = loop.run(task())
        assert len(tgi.requests) == 1
    assert (
        result.status == RepairStatus.GAVE_UP
        and result.rounds == 1
        and "model token budget (50 tokens" in result.reason
    )


def test_the_wall_time_budget_stops_the_loop_before_a_round_starts_past_it(tmp_path: Path) -> None:
    with (
        TGIStandIn([]) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, max_rounds=5, wall_s=0.01) as loop,
    ):
        result = loop.run(task())
        assert tgi.requests == []
    assert (
        result.status == RepairStatus.GAVE_UP
        and result.rounds == 0
        and "wall-time budget" in result.spend.stopped_by
    )


@pytest.mark.parametrize(
    ("spend", "now", "stop"),
    [
        (Spend(started=0.0, rounds=3), 1.0, "round budget"),
        (Spend(started=0.0, rounds=1, prompt_tokens=900, generated_tokens=100), 1.0, "token budget"),
        (Spend(started=0.0, rounds=1), 60.0, "wall-time budget"),
        (Spend(started=0.0, rounds=1, prompt_tokens=10), 59.0, ""),
    ],
)
def test_each_budget_forbids_the_next_round(spend: Spend, now: float, stop: str) -> None:
    limits = repair_config(Settings(), max_rounds=3, candidates=4, max_tokens=1000, wall_s=60.0)
    assert (stop in exhausted(limits, spend, now)) and (bool(stop) == bool(exhausted(limits, spend, now)))
