"""A give-up whose answers were all refused says they were refused, how many, and why; not that the tests
kept failing (no test ran). Real loop, real git and sandbox; the model is the TGI stand-in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git
import pytest

from tests.bugs import search_replace
from tests.processes import child_env
from tests.repair_repos import CALC_TESTS, PYTEST, repair_loop, task
from tests.stand_ins.tgi_server import TGIStandIn
from workers.edits import ApplyReport, EditOutcome
from workers.github import report_text
from workers.loop.refusals import give_up_reason, refusal_of, short

# `return a - b` is in two functions: a SEARCH of that one line matches two places and is refused.
TWINS = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
TWINS_REPO = {"calc.py": TWINS, "test_calc.py": CALC_TESTS.replace("mul", "sub").replace("== 6", "== -1")}
AMBIGUOUS = search_replace("calc.py", "    return a - b", "    return a + b", "add subtracts.")
ADD_WRONG = search_replace(
    "calc.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a * b", "add must multiply?"
)
NO_SUCH_FILE = search_replace("calc_py.py", "    return a - b", "    return a + b", "wrong file.")


@pytest.mark.slow
def test_when_every_answer_is_refused_the_give_up_says_so_and_why(tmp_path: Path) -> None:
    with (
        TGIStandIn([AMBIGUOUS] * 4) as tgi,
        repair_loop(tmp_path / "job", TWINS_REPO, tgi.url, max_rounds=2, candidates=2) as loop,
    ):
        result = loop.run(task())
        calls = len(tgi.requests)
    assert calls == 4 and len(result.attempts) == 4 and not any(a.applied for a in result.attempts)
    assert result.reason.startswith("all 4 answer(s) were refused, so no edit was tested")
    assert "the quoted lines match 2 places" in result.reason and "no candidate made" not in result.reason
    comment = report_text.gave_up(result, command=PYTEST)
    assert "I could not fix this: all 4 answer(s) were refused" in comment
    assert "- round 2, candidate 1: edits could not be applied: the quoted lines match 2 places" in comment


@pytest.mark.slow
def test_when_an_answer_was_tested_the_give_up_speaks_of_the_tests(tmp_path: Path) -> None:
    with (
        TGIStandIn([AMBIGUOUS, ADD_WRONG]) as tgi,
        repair_loop(tmp_path / "job", TWINS_REPO, tgi.url, candidates=2) as loop,
    ):
        result = loop.run(task())
    assert sorted(a.applied for a in result.attempts) == [False, True]  # answers arrive in any order
    assert result.reason.startswith("no candidate made the failing tests pass"), result.reason


@pytest.mark.slow
def test_the_fix_command_names_the_refusals_of_sixteen_answers(tmp_path: Path) -> None:
    """4 rounds of 4 candidates, all refused: the case the issue saw, through the real command."""
    root = tmp_path / "checkout"
    root.mkdir()
    for rel, text in TWINS_REPO.items():
        (root / rel).write_text(text)
    repo = git.Repo.init(root, initial_branch="main")
    repo.git.add("--all")
    repo.index.commit("base")
    env = child_env(
        {"TGI_URL": "", "CANDIDATES": "4", "BOT_MAX_ITERATIONS": "4", "BOT_WORKDIR": str(tmp_path / "w")}
    )
    with TGIStandIn([AMBIGUOUS] * 8 + [NO_SUCH_FILE] * 8) as tgi:
        env["TGI_URL"] = tgi.url
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "fix", str(root), "--test", PYTEST],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        calls = len(tgi.requests)
    assert done.returncode == 1 and calls == 16, done.stderr[-3000:]
    [line] = [ln for ln in done.stderr.splitlines() if ln.startswith("Gave up:")]
    assert line.startswith("Gave up: all 16 answer(s) were refused, so no edit was tested (")
    assert "the quoted lines match 2 places (8×)" in line and "calc_py.py" in line and "(8×)" in line


def _report(*reasons: str) -> ApplyReport:
    return ApplyReport([EditOutcome("calc.py", "refused", None, r) for r in reasons], [], "feedback")


def test_the_reason_is_the_refusals_first_clause_without_line_numbers() -> None:
    reason = (
        "the quoted lines match 2 places (lines 2-2, 6-6); quote more of the surrounding lines so that "
        "they match exactly one"
    )
    assert short(reason) == "the quoted lines match 2 places"
    assert refusal_of(_report("rolled back: another edit in this answer was refused", reason)) == short(
        reason
    )
    assert short("x" * 500).endswith("…") and len(short("x" * 500)) == 161


class _Attempt:
    def __init__(self, applied: bool, refusal: str = "") -> None:
        self.applied, self.refusal = applied, refusal


def test_mixed_rounds_keep_the_tests_reason_and_many_reasons_are_counted() -> None:
    mixed = [_Attempt(False, "a"), _Attempt(True)]
    assert give_up_reason(mixed, rounds=1, candidates=2, stopped_by="rounds").startswith(
        "no candidate made the failing tests pass"
    )
    many = [_Attempt(False, r) for r in "aabcde"]
    why = give_up_reason(many, rounds=3, candidates=2, stopped_by="rounds")
    assert why.startswith("all 6 answer(s) were refused") and "a (2×)" in why
    assert "and 2 other reason(s)" in why and why.endswith("stopped by rounds")
