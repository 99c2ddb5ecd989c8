"""Answers are bounded: past 262,144 characters, or with NUL or a lone surrogate, they are refused whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPORA, REPO_ROOT
from workers.edits.apply import apply_answer
from workers.edits.limits import MAX_ANSWER_CHARS, answer_problem
from workers.edits.records import EditPolicy

GCD = CORPORA / "quixbugs" / "python_programs" / "gcd.py"
EDIT = (
    "python_programs/gcd.py\n<<<<<<< SEARCH\n        return gcd(a % b, b)\n=======\n"
    "        return gcd(b, a % b)\n>>>>>>> REPLACE\n"
)


def _padded(total: int) -> str:
    """A real edit followed by prose, exactly `total` characters long."""
    return EDIT + "x" * (total - len(EDIT))


def test_an_answer_at_the_cap_is_applied(checkout: Path) -> None:
    report = apply_answer(checkout, _padded(MAX_ANSWER_CHARS), EditPolicy())
    assert report.ok and report.changed_paths == ["python_programs/gcd.py"]


def test_one_character_past_the_cap_is_refused_unapplied(checkout: Path) -> None:
    report = apply_answer(checkout, _padded(MAX_ANSWER_CHARS + 1), EditPolicy())
    assert not report.ok and report.changed_paths == []
    [outcome] = report.outcomes
    assert outcome.status == "refused" and "262,145 characters" in (outcome.reason or "")
    assert "limit of 262,144" in report.feedback
    assert (checkout / "python_programs" / "gcd.py").read_text() == GCD.read_text()


@pytest.mark.parametrize(
    ("bad", "named"),
    [("\0", "NUL character (line 5)"), ("\ud83d", "lone surrogate U+D83D (line 5)"), ("\udc00", "U+DC00")],
)
def test_nul_and_lone_surrogates_are_refused_as_feedback(checkout: Path, bad: str, named: str) -> None:
    answer = EDIT.replace("return gcd(b, a % b)", f"return gcd(b, a % b){bad}")
    report = apply_answer(checkout, answer, EditPolicy())
    assert not report.ok and report.changed_paths == []
    assert named in report.feedback and named in (report.outcomes[0].reason or "")
    assert (checkout / "python_programs" / "gcd.py").read_text() == GCD.read_text()


def test_paired_surrogates_and_ordinary_unicode_pass() -> None:
    assert answer_problem("x = '\U0001f600 é 中'\n") is None
    assert answer_problem(_padded(MAX_ANSWER_CHARS)) is None


def _apply_cli(
    checkout: Path, answer: Path | None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "apply", str(checkout), "--answer", str(answer or "-")],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_apply_past_the_cap_prints_one_line_and_exits_2(checkout: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(_padded(MAX_ANSWER_CHARS + 1))
    for done in (_apply_cli(checkout, answer), _apply_cli(checkout, None, _padded(3 * MAX_ANSWER_CHARS))):
        assert done.returncode == 2
        assert done.stdout == ""
        [line] = done.stderr.splitlines()
        assert line.startswith("error: the answer") and "262,144 characters" in line
    assert (checkout / "python_programs" / "gcd.py").read_text() == GCD.read_text()


def test_apply_at_the_cap_applies(checkout: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(_padded(MAX_ANSWER_CHARS))
    done = _apply_cli(checkout, answer)
    assert done.returncode == 0, done.stderr
    assert "gcd(b, a % b)" in (checkout / "python_programs" / "gcd.py").read_text()


def test_apply_with_a_nul_exits_1_with_the_reason(checkout: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(EDIT + "\0\n")
    done = _apply_cli(checkout, answer)
    assert done.returncode == 1 and "NUL character" in done.stdout and "Traceback" not in done.stderr
