"""The bot's reports say where the test command came from: the repository's config or a convention."""

from __future__ import annotations

from pathlib import Path

from workers.checkout.repo_config import RepoConfig
from workers.checkout.test_plan import plan_for
from workers.github import report_text
from workers.loop.repair_loop import RepairResult, RepairStatus
from workers.runners.process import RunResult

FAILED = RunResult("go test ./...", 1, "--- FAIL: TestBelowZero\nFAIL\n", 0.4)


def test_a_convention_and_a_config_are_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.18\n")
    plan = plan_for(tmp_path, RepoConfig(), tmp_path / "venv")
    assert (plan.setup, plan.test) == (("go mod download",), "go test ./...")
    assert plan.origin == "convention (Go: go.mod)"
    declared = plan_for(tmp_path, RepoConfig(test="make check"), tmp_path / "venv")
    assert declared.origin == "config: .github/codellama.yml"


def test_pull_bodies_and_give_up_comments_carry_the_origin() -> None:
    done = RepairResult(True, "", FAILED, after=RunResult("go test ./...", 0, "ok\n", 0.3))
    body = report_text.pull_body(
        done,
        link_line="Fixes #1",
        command="go test ./...",
        files=["a.go"],
        origin=report_text.commands_from("convention (Go: go.mod)"),
    )
    assert "Command: `go test ./...`\nCommands from convention (Go: go.mod)." in body
    for status in (RepairStatus.GAVE_UP, RepairStatus.NOT_REPRODUCED, RepairStatus.NOT_CODE):
        text = report_text.gave_up(
            RepairResult(False, "no candidate passed", FAILED, status=status),
            command="go test ./...",
            origin=report_text.commands_from("convention (Go: go.mod)", ["no workflow runs on pull_request"]),
        )
        assert "Commands from convention (Go: go.mod).\n- no workflow runs on pull_request\n" in text
    # Callers that know no origin (a fork's review) write what they wrote before.
    assert "Commands from" not in report_text.gave_up(RepairResult(False, "x", FAILED), command="pytest")
