"""Asking go test for its -json event stream: which commands get the flag, what a run without a usable stream
gives, and a real go toolchain run end to end, unsandboxed and in the sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.workers.evidence.test_corpus import GO
from workers.evidence.test2json import plain_text
from workers.loop.selection import read_run
from workers.runners.process import LocalRunner, RunResult
from workers.runners.reports import GO_JSON, run_with_report, with_go_json
from workers.runners.sandbox import BubblewrapRunner, SandboxLimits, sandbox_available

needs_go = pytest.mark.skipif(
    shutil.which("go") is None, reason="go is not installed (scripts/install-test-tools.sh installs it)"
)
# The limits the pytest report tests use: the go toolchain builds within them.
LIMITS = SandboxLimits(
    cpu_s=60, memory_mb=1024, max_procs=64, max_file_mb=16, wall_s=180, output_bytes=500_000
)
MODULE = "module example.com/m\n\ngo 1.19\n"
TESTS = """package m

import "testing"

func TestPass(t *testing.T) {}

func TestFail(t *testing.T) {
	t.Errorf("want %d, got %d", 2, 1)
}
"""
BROKEN = "package broken\n\nfunc F() int { return undefined }\n"
BROKEN_TEST = 'package broken\n\nimport "testing"\n\nfunc TestF(t *testing.T) { F() }\n'


@pytest.mark.parametrize(
    "command",
    [
        "go test ./...",
        "go test",
        "go test -v -race ./pkg/...",
        "CGO_ENABLED=0 go test -count=1 ./...",
        "/usr/local/go/bin/go test -run 'TestA|TestB' ./...",
    ],
)
def test_plain_go_test_commands_are_asked_for_the_stream(command: str) -> None:
    assert with_go_json(command) == f"{command} -json"


@pytest.mark.parametrize(
    "command",
    [
        "go test -json ./...",
        "go test --json",
        "go test -json=false",
        "GOFLAGS=-json go test ./...",
        "go test -c ./pkg",
        "go test ./... -args -v",
        "go test -- ./...",
        "go test ./... # all",
        "go test ./... | go-junit-report",
        "cd sub && go test ./...",
        "go test ./... 2>&1",
        "go vet ./...",
        "go -C sub test",
        "gotestsum ./...",
        "make test",
        "go",
    ],
)
def test_other_commands_run_unchanged(command: str) -> None:
    assert with_go_json(command) is None


class Recorded:
    """A runner that answers each command with the next recorded output."""

    def __init__(self, *outputs: tuple[str, bool]) -> None:
        self.outputs = list(outputs)
        self.commands: list[str] = []

    def run(
        self, command: str, cwd: Path, *, timeout_s: float, network: bool = False, output_limit: int = 0
    ) -> RunResult:
        self.commands.append(command)
        output, truncated = self.outputs.pop(0)
        return RunResult(command, 1, output, 0.1, output_truncated=truncated)


def test_a_cut_stream_is_rebuilt_as_text_but_is_no_report(tmp_path: Path) -> None:
    stream = (GO / "101-fail.gojson.txt").read_text()
    whole = run_with_report(Recorded((stream, False)), "go test", tmp_path, timeout_s=1, output_limit=9)
    assert (whole.command, whole.report_format, whole.report) == ("go test", GO_JSON, stream)
    assert whole.output == plain_text(stream) and "--- FAIL: TestOne" in whole.output
    cut = run_with_report(Recorded((stream, True)), "go test", tmp_path, timeout_s=1, output_limit=9)
    assert (cut.output, cut.report, cut.report_format) == (plain_text(stream), "", "")


def test_a_run_without_events_keeps_its_output_and_old_go_runs_the_command_as_given(tmp_path: Path) -> None:
    missing = Recorded(("sh: 1: go: not found", False))
    run = run_with_report(missing, "go test ./...", tmp_path, timeout_s=1, output_limit=9)
    assert (run.command, run.output, run.report) == ("go test ./...", "sh: 1: go: not found", "")
    old = Recorded(("flag provided but not defined: -json\nusage: ...", False), ("--- FAIL: TestA", False))
    run = run_with_report(old, "go test ./...", tmp_path, timeout_s=1, output_limit=9)
    assert old.commands == ["go test ./... -json", "go test ./..."]
    assert run.output == "--- FAIL: TestA"


def _module(root: Path, *, broken: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text(MODULE)
    (root / "m_test.go").write_text(TESTS)
    if broken:
        (root / "broken").mkdir()
        (root / "broken" / "broken.go").write_text(BROKEN)
        (root / "broken" / "broken_test.go").write_text(BROKEN_TEST)
    return root


@needs_go
def test_a_real_go_test_run_reports_what_failed_and_what_passed(tmp_path: Path) -> None:
    root = _module(tmp_path / "repo")
    run = run_with_report(LocalRunner(), "go test ./...", root, timeout_s=300, output_limit=1_000_000)
    assert (run.command, run.exit_code, run.report_format) == ("go test ./...", 1, GO_JSON), run.output
    assert '"Action"' not in run.output and "--- FAIL: TestFail" in run.output
    facts, evidence = read_run(run, root)
    assert (facts.failing, facts.passed) == ({"example.com/m.TestFail"}, 1)
    (failure,) = evidence.failures
    assert failure.message == "want 2, got 1"
    assert (failure.frames[0].path, failure.frames[0].line) == ("m_test.go", 8)


@needs_go
def test_a_real_go_test_run_in_the_sandbox_reports_build_failures_too(tmp_path: Path) -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI (apt-get install bubblewrap; run as root): {reason}"
    root = _module(tmp_path / "job", broken=True)
    runner = BubblewrapRunner(root, LIMITS)
    run = run_with_report(runner, "go test ./...", root, timeout_s=300, output_limit=500_000)
    assert run.report_format == GO_JSON, run.output
    facts, evidence = read_run(run, root)
    assert (facts.failing, facts.passed) == ({"example.com/m.TestFail", "example.com/m/broken"}, 1)
    build = next(f for f in evidence.failures if f.test_id == "example.com/m/broken")
    assert build.message == "undefined: undefined", run.output
