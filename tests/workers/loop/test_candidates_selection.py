"""The selection rules as pure logic: targets must pass, regressions lose, the smallest diff wins."""

from __future__ import annotations

from inference.protocol import Generation
from workers.loop.candidates import CandidateResult, RoundVerdict
from workers.loop.selection import (
    SuiteFacts,
    choose_targets,
    diff_size,
    judge_suite,
    judge_targeted,
    normalized,
)
from workers.loop.targeted import targeted_command


def facts(
    *failing: str, passed: int | None = None, ok: bool | None = None, limit: str | None = None
) -> SuiteFacts:
    is_ok = not failing if ok is None else ok
    return SuiteFacts(
        ok=is_ok, failing=frozenset(failing), passed=passed, limit=limit, exit_code=0 if is_ok else 1
    )


BASE = facts("t.py::test_add", "t.py::test_flaky_here", passed=5)
TARGETS = frozenset({"t.py::test_add"})


def test_a_candidate_wins_when_the_targets_pass_and_failures_it_did_not_cause_stay() -> None:
    verdict = judge_suite(BASE, TARGETS, facts("t.py::test_flaky_here", passed=6))
    assert verdict.won and "1 failing before still fail" in verdict.note


def test_a_test_that_passed_on_the_base_commit_and_fails_now_is_a_regression() -> None:
    verdict = judge_suite(BASE, TARGETS, facts("t.py::test_mul", "t.py::test_flaky_here", passed=5))
    assert not verdict.won and verdict.regressions == ("t.py::test_mul",)
    assert verdict.note.startswith("regression: t.py::test_mul")


def test_tests_that_vanished_count_as_a_regression() -> None:
    # Nothing fails, but two tests that passed before neither pass nor fail now (deleted, skipped).
    verdict = judge_suite(BASE, TARGETS, facts(passed=3, ok=True))
    assert not verdict.won and "fewer tests pass" in verdict.note


def test_a_run_stopped_by_a_limit_or_failing_without_names_never_wins() -> None:
    assert not judge_suite(BASE, TARGETS, facts(ok=False, limit="wall-clock time limit")).won
    assert "exit 1" in judge_suite(BASE, TARGETS, facts(ok=False)).note


def test_the_targeted_run_decides_only_a_loss() -> None:
    assert judge_targeted(TARGETS, facts(passed=1)) is None
    lost = judge_targeted(TARGETS, facts("t.py::test_add"))
    assert lost is not None and not lost.won and lost.still_failing == ("t.py::test_add",)


def test_targets_are_the_failures_ci_also_reported_else_all_local_failures() -> None:
    assert choose_targets(BASE, ["t.py::test_add", "other.py::test_x"]) == TARGETS
    assert choose_targets(BASE, ["other.py::test_x"]) == BASE.failing


def test_only_pytest_node_ids_narrow_the_command() -> None:
    ids = frozenset({"t.py::test_add[1-2]", "t.py::test_b"})
    assert (
        targeted_command("python -m pytest -q", ids)
        == "python -m pytest -q 't.py::test_add[1-2]' t.py::test_b"
    )
    assert targeted_command("make test", ids) is None
    assert targeted_command("python -m pytest -q", frozenset({"t.py"})) is None


def _won(diff: str) -> CandidateResult:
    return CandidateResult(Generation(diff, 1, 1, 0.0, "eos_token"), True, True, "", "", diff, tested=True)


def test_the_smallest_diff_wins_a_tie_and_untested_duplicates_never_do() -> None:
    big = "--- a\n+++ b\n-x\n+y\n+z\n"
    small = "--- a\n+++ b\n-x\n+y\n"
    duplicate = CandidateResult(Generation("", 1, 1, 0.0, "eos_token"), True, True, "", "", "", tested=False)
    assert RoundVerdict([_won(big), duplicate, _won(small)], 0.0).winner == _won(small)
    assert diff_size(small) == (2, 4)
    assert normalized("a  +\n\tb ") == normalized("a + b")
