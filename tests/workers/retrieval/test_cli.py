"""`codellama-bot locate` through its run() entry point, on a QuixBugs checkout and its real pytest log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.cli import main
from core.settings import Settings
from tests.bugs import QUIXBUGS_LOGS
from workers.retrieval.cli import add_arguments, run


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="codellama-bot locate")
    add_arguments(parser)
    return run(parser.parse_args(argv), Settings())


def test_json_from_a_real_ci_log(quix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The log was produced on GitHub Actions (/home/runner/work/QuixBugs/QuixBugs); paths still resolve here.
    assert _run([str(quix), "--log", str(QUIXBUGS_LOGS / "kth.log"), "--json", "--top", "3"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["path"] == "python_programs/kth.py" and entries[0]["symbol"] is None
    assert set(entries[0]) == {"path", "symbol", "score", "reasons"}
    kth = next(e for e in entries if e["symbol"] == "kth")
    assert any(r.startswith("frame:") for r in kth["reasons"])
    scores = [e["score"] for e in entries]
    assert scores == sorted(scores, reverse=True)
    assert len({e["path"] for e in entries}) <= 3


def test_text_output_names_reasons(quix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    issue = quix / "issue.md"
    issue.write_text("`next_palindrome` returns the wrong digits for [9, 9, 9]")
    assert _run([str(quix), "--issue-file", str(issue), "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("python_programs/next_palindrome.py")
    assert "issue-name: issue mentions next_palindrome" in out


def test_test_command_adds_coverage(quix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider"
    command += " python_testcases/test_lis.py"
    assert _run([str(quix), "--test", command, "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["path"] == "python_programs/lis.py"
    assert any(r.startswith("coverage:") for r in entries[0]["reasons"])


def test_unreadable_inputs_exit_2_with_a_message(quix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["locate", str(quix / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["locate", str(quix), "--log", str(quix / "no.log")]) == 2
    assert "argument --log" in capsys.readouterr().err
    (quix / "unreadable.log").mkdir()
    assert main(["locate", str(quix), "--log", str(quix / "unreadable.log")]) == 2
    assert "is a directory" in capsys.readouterr().err
