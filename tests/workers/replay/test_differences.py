"""Comparing a recording with its replay: which differences are found, and how the report shows them."""

from __future__ import annotations

import copy
from typing import Any

from workers.replay.differences import Difference, compare, outcome_matches, report


def _candidate(*, applied: bool = True, passed: bool = False, tested: bool = True) -> dict[str, Any]:
    return {
        "applied": applied,
        "refusal": "" if applied else "no edit found",
        "note": "",
        "paths": ["a.py"],
        "tested": tested and applied,
        "passed": passed,
    }


def _record() -> dict[str, Any]:
    return {
        "task": {"test_command": "pytest -q"},
        "base_runs": [{"exit_code": 1}],
        "rounds": [
            {
                "round": 1,
                "prompt": "fix a.py\nline two",
                "answers": [{"text": "wrong"}],
                "candidates": [_candidate()],
            },
            {
                "round": 2,
                "prompt": "fix a.py\nfeedback",
                "answers": [{"text": "right"}],
                "candidates": [_candidate(passed=True)],
            },
        ],
        "outcome": {"status": "fixed", "reason": "the tests pass", "changed_paths": ["a.py"], "diff": "+x\n"},
    }


def test_a_replay_that_did_the_same_has_no_differences_and_says_so_per_round() -> None:
    recorded, replayed = _record(), _record()
    assert compare(recorded, replayed) == []
    assert outcome_matches(recorded, replayed)
    lines = report(recorded, replayed, [])
    assert lines[0].startswith("round 1: prompt same; answers same; candidates same: candidate 1 applied")
    assert "tests failed" in lines[0] and "tests passed" in lines[1]
    assert lines[-1] == "outcome: same (fixed: 'the tests pass')"


def test_a_different_prompt_is_shown_at_its_first_differing_line() -> None:
    recorded, replayed = _record(), _record()
    replayed["rounds"][0]["prompt"] = "fix a.py\nline 2"
    [found] = compare(recorded, replayed)
    assert found == Difference(1, "prompt", "at line 2: 'line two'", "at line 2: 'line 2'")
    assert report(recorded, replayed, [found])[0].startswith("round 1: prompt differs; answers same")


def test_other_answers_and_verdicts_and_outcome_are_each_a_difference() -> None:
    recorded, replayed = _record(), _record()
    replayed["rounds"][0]["answers"][0]["text"] = "also wrong"
    replayed["rounds"][0]["candidates"][0] = _candidate(applied=False)
    replayed["rounds"] = replayed["rounds"][:1]
    replayed["outcome"] = {
        "status": "gave_up",
        "reason": "no candidate passed",
        "changed_paths": [],
        "diff": "",
    }
    found = compare(recorded, replayed)
    assert [(d.round, d.what) for d in found] == [
        (1, "answer 1"),
        (1, "candidate 1 apply"),
        (1, "candidate 1 verdict"),
        (2, "round"),
        (None, "outcome status"),
        (None, "outcome changed_paths"),
        (None, "outcome diff"),
    ]
    assert found[1].replayed == "refused (no edit found)" and found[2].recorded == "tests failed"
    assert not outcome_matches(recorded, replayed)
    lines = report(recorded, replayed, found)
    assert "round 2: ran only on one side" in lines
    assert (
        "outcome differs: recorded fixed: 'the tests pass'; replayed gave_up: 'no candidate passed'" in lines
    )


def test_the_test_command_and_the_base_runs_are_compared_before_the_rounds() -> None:
    recorded, replayed = _record(), copy.deepcopy(_record())
    replayed["task"]["test_command"] = "pytest -x"
    replayed["base_runs"] = [{"exit_code": 0}, {"exit_code": 0}]
    found = compare(recorded, replayed)
    assert [d.what for d in found] == ["test command", "tests at the commit"]
    assert found[1].line() == "tests at the commit: recorded exit 1; replayed exit 0, exit 0"
    assert report(recorded, replayed, found)[:2] == [d.line() for d in found]


def test_texts_differing_only_at_their_end_say_so_by_length() -> None:
    recorded, replayed = _record(), _record()
    replayed["outcome"]["diff"] = "+x"
    [found] = compare(recorded, replayed)
    assert (found.recorded, found.replayed) == ("3 chars", "2 chars")


def test_a_record_of_the_wrong_shape_inside_still_compares_without_raising() -> None:
    recorded = _record()
    replayed: dict[str, Any] = {"rounds": [{"round": 1}, "junk", {"round": "x"}], "outcome": None}
    found = compare(recorded, replayed)
    assert (1, "prompt") in [(d.round, d.what) for d in found] and not outcome_matches(recorded, replayed)
    assert report(recorded, replayed, found)
