"""Candidates in their own worktrees and sandboxes, tested in parallel, chosen by the tests."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_until
from tests.repair_repos import (
    ADD_RIGHT,
    ADD_RIGHT_LONG,
    ADD_RIGHT_MUL_BROKEN,
    ADD_WRONG,
    CALC_REPO,
    PYTEST,
    attempt_notes,
    repair_loop,
    task,
)
from tests.stand_ins.tgi_server import TGIStandIn
from workers.loop.repair_loop import RepairResult, RepairStatus

pytestmark = pytest.mark.slow

# Waits in each candidate's checkout until the test opens the gate, or gives up after 30 s. Run one at a
# time, the first candidate would wait alone and the test's own 20 s deadline would fail first.
GATE = """\
import pathlib, sys, time
here = pathlib.Path.cwd()
if not (here / "go").exists():
    (here / "started").write_text("")
    deadline = time.monotonic() + 30
    while not (here / "go").exists():
        if time.monotonic() > deadline:
            sys.exit(3)
        time.sleep(0.05)
"""


def by_seed(answers: dict[int | None, str]) -> Any:
    """A responder choosing the answer by the request's seed (None: the greedy request)."""
    return lambda prompt, parameters: answers[parameters.get("seed")]


def test_candidates_run_at_the_same_time_each_in_its_own_worktree(tmp_path: Path) -> None:
    files = {**CALC_REPO, "gate.py": GATE}
    job = tmp_path / "job"
    answers = {None: ADD_RIGHT, 1001: ADD_RIGHT_LONG}
    outcome: list[RepairResult] = []
    with TGIStandIn(by_seed(answers)) as tgi, repair_loop(job, files, tgi.url, candidates=2, cpus=2) as loop:
        (loop.workspace.root / "go").write_text("")  # the base commit's runs pass the gate at once
        worker = threading.Thread(
            target=lambda: outcome.append(loop.run(task(f"python gate.py && {PYTEST}")))
        )
        worker.start()
        try:
            started = wait_until(
                lambda: (
                    sorted(p.parent.name for p in job.glob("repo.candidates/*/started"))
                    if len(list(job.glob("repo.candidates/*/started"))) == 2
                    else None
                ),
                20,
                "both candidates to be inside their tests at once",
            )
        finally:
            for tree in job.glob("repo.candidates/*"):
                (tree / "go").write_text("")
            worker.join(timeout=120)
    assert started == ["c0", "c1"]
    result = outcome[0]
    assert result.status == RepairStatus.FIXED, attempt_notes(result)
    assert result.spend.candidates_tested == 2
    # The winner is in the job's checkout; the worktrees are gone.
    assert "return a + b" in (loop.workspace.root / "calc.py").read_text()
    assert not (job / "repo.candidates").exists()
    assert loop.workspace.repo.git.worktree("list").count("\n") == 0


def test_regressions_are_rejected_duplicates_tested_once_and_the_smallest_diff_wins(tmp_path: Path) -> None:
    answers = {
        None: ADD_RIGHT_LONG,
        1001: ADD_RIGHT_MUL_BROKEN,
        1002: ADD_RIGHT,
        1003: ADD_RIGHT.replace("a + b", "a  +  b").replace("\n\n", "\n \n"),
    }
    with (
        TGIStandIn(by_seed(answers)) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, candidates=4, cpus=4) as loop,
    ):
        result = loop.run(task())
        assert len(tgi.requests) == 4 and tgi.max_in_flight >= 1
    notes = attempt_notes(result)
    assert result.status == RepairStatus.FIXED, notes
    assert "regression: test_calc.py::test_mul passed before and fail now" in notes[1]
    assert notes[0].endswith("the tests pass") and notes[2].endswith("the tests pass")
    assert notes[3].startswith("identical to candidate 3")
    assert result.spend.candidates_tested == 3 and result.spend.candidates_generated == 4
    assert "-    return a - b\n+    return a + b\n" in result.diff and "total" not in result.diff
    assert (loop.workspace.root / "calc.py").read_text().count("return a + b") == 1


def test_with_fewer_slots_than_candidates_the_smallest_goes_first_and_a_win_stops_the_queue(
    tmp_path: Path,
) -> None:
    answers = {None: ADD_RIGHT_LONG, 1001: ADD_RIGHT}
    with (
        TGIStandIn(by_seed(answers)) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, candidates=2, cpus=1) as loop,
    ):
        result = loop.run(task())
    notes = attempt_notes(result)
    assert result.status == RepairStatus.FIXED and "total" not in result.diff
    assert notes[0] == "not tested: another candidate already won" and notes[1].endswith("the tests pass")
    assert result.spend.candidates_tested == 1
    assert [p.name for p in (tmp_path / "job").iterdir()] == ["repo"]  # one worktree, removed again


def test_a_checkout_that_setup_built_into_is_judged_in_place_one_candidate_at_a_time(tmp_path: Path) -> None:
    # Diffs of the same size are tested in the order they came, so the wrong one goes first.
    answers = {None: ADD_WRONG, 1001: ADD_RIGHT}
    with (
        TGIStandIn(by_seed(answers)) as tgi,
        repair_loop(tmp_path / "job", CALC_REPO, tgi.url, candidates=2, cpus=2) as loop,
    ):
        result = loop.run(task(isolated_candidates=False))
    notes = attempt_notes(result)
    assert result.status == RepairStatus.FIXED and "1 of 1 failing test(s) still fail" in notes[0], notes
    assert [p.name for p in (tmp_path / "job").iterdir()] == ["repo"]
    # The winner is applied once, the loser undone: the checkout holds exactly the fix.
    assert loop.workspace.repo.git.diff() == result.diff
