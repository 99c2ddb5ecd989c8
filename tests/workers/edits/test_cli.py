"""`codellama-bot apply`: the function the bot's CLI calls, and the module run as a program."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPORA, REPO_ROOT
from workers.edits import cli

ANSWER = (
    "The recursive call swaps the wrong arguments.\n\n"
    "--- a/python_programs/gcd.py\n+++ b/python_programs/gcd.py\n@@ -40,4 +40,4 @@\n"
    "   if b == 0:\n       return a\n   else:\n-      return gcd(a % b, b)\n+      return gcd(b, a % b)\n"
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_run_applies_and_reports_the_rung(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(ANSWER)
    assert cli.run(parse([str(checkout), "--answer", str(answer)])) == 0
    assert "applied (indentation)" in capsys.readouterr().out
    assert "return gcd(b, a % b)" in (checkout / "python_programs" / "gcd.py").read_text()


def test_run_json_for_a_refused_answer(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(ANSWER.replace("if b == 0:", "while b != 0:").replace("return a", "a, b = b, a % b"))
    assert cli.run(parse([str(checkout), "--answer", str(answer), "--json"])) == 1
    [outcome] = json.loads(capsys.readouterr().out)
    assert outcome["path"] == "python_programs/gcd.py" and outcome["status"] == "refused"
    assert set(outcome) == {"path", "status", "rung", "reason"}


def test_run_refuses_test_weakening_unless_allowed(checkout: Path, tmp_path: Path) -> None:
    (checkout / "tests").mkdir()
    shutil.copy(CORPORA / "quixbugs" / "python_testcases" / "test_gcd.py", checkout / "tests" / "test_gcd.py")
    answer = tmp_path / "answer.md"
    answer.write_text(
        "tests/test_gcd.py\n<<<<<<< SEARCH\n    assert gcd(*input_data) == expected\n"
        "=======\n    pass\n>>>>>>> REPLACE\n"
    )
    assert cli.run(parse([str(checkout), "--answer", str(answer)])) == 1
    assert cli.run(parse([str(checkout), "--answer", str(answer), "--allow-test-edits"])) == 0


def test_run_missing_answer_file(checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(parse([str(checkout), "--answer", str(tmp_path / "nope.md")])) == 2
    assert "cannot read the answer file" in capsys.readouterr().err


def test_module_runs_as_a_program(checkout: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(ANSWER)
    done = subprocess.run(
        [sys.executable, "-m", "workers.edits.cli", str(checkout), "--answer", str(answer), "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"path": "python_programs/gcd.py", "status": "applied", "rung": "indentation", "reason": None}
    ]
