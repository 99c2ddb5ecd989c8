"""Which candidate wins: the failing tests pass, nothing that passed on the base commit fails, and among
winners the smallest diff. Pure logic over parsed test runs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workers.evidence import Evidence
from workers.evidence.structured import parse_run
from workers.runners.process import RunResult
from workers.runners.reports import GO_JSON, JUNIT, SUREFIRE
from workers.runners.sandbox import limit_hit


@dataclass(frozen=True)
class SuiteFacts:
    """What one test run says, reduced to what selection needs."""

    ok: bool
    failing: frozenset[str]
    passed: int | None
    limit: str | None
    exit_code: int

    @property
    def parsed(self) -> bool:
        """Whether a failing run named its failures (a crash or an unknown runner names none)."""
        return self.ok or bool(self.failing)


def facts_of(run: RunResult, evidence: Evidence) -> SuiteFacts:
    return SuiteFacts(
        ok=run.ok,
        failing=frozenset(evidence.failing_test_ids),
        passed=evidence.summary_passed,
        limit=limit_hit(run),
        exit_code=run.exit_code,
    )


def read_run(run: RunResult, repo_root: Path) -> tuple[SuiteFacts, Evidence]:
    junit = run.report if run.report_format == JUNIT else ""
    surefire = run.report if run.report_format == SUREFIRE else ""
    gojson = run.report if run.report_format == GO_JSON else ""
    evidence = parse_run(run.output, junit=junit, surefire=surefire, gojson=gojson, repo_root=repo_root)
    return facts_of(run, evidence), evidence


def choose_targets(base: SuiteFacts, reported: Sequence[str] = ()) -> frozenset[str]:
    """The tests a fix must make pass: those failing here that CI also reported, else all failing here.

    Failures only this machine shows (and CI did not) are left alone, as long as they do not get worse.
    """
    agreed = base.failing & frozenset(reported)
    return agreed or base.failing


@dataclass(frozen=True)
class Verdict:
    won: bool
    still_failing: tuple[str, ...]
    regressions: tuple[str, ...]
    note: str

    def distance(self, n_targets: int) -> int:
        """How far from a fix, for choosing the most informative failure to show the model next."""
        if self.won:
            return 0
        missing = len(self.still_failing) + len(self.regressions)
        return missing or max(n_targets, 1) + 1


def judge_targeted(targets: frozenset[str], run: SuiteFacts) -> Verdict | None:
    """The verdict of the narrowed run when it already decides (a loss), None when the suite must decide."""
    if run.ok:
        return None
    if run.limit:
        return Verdict(False, tuple(sorted(targets)), (), f"the failing tests hit the {run.limit}")
    still = tuple(sorted(targets & run.failing)) if run.failing else tuple(sorted(targets))
    return Verdict(False, still, (), f"{len(still)} of {len(targets)} failing test(s) still fail")


def judge_suite(base: SuiteFacts, targets: frozenset[str], run: SuiteFacts) -> Verdict:
    """A candidate wins when the targets pass and no test that passed on the base commit fails now."""
    if run.limit:
        return Verdict(False, tuple(sorted(targets)), (), f"the tests hit the {run.limit}")
    still = tuple(sorted(targets & run.failing))
    regressions = tuple(sorted(run.failing - base.failing))
    if not run.ok and not run.failing:
        return Verdict(False, tuple(sorted(targets)), (), f"the tests fail (exit {run.exit_code})")
    if base.passed is not None and run.passed is not None and run.passed < base.passed:
        # Tests that passed and now neither pass nor fail were removed, skipped or not collected.
        note = f"fewer tests pass than on the base commit ({run.passed} < {base.passed})"
        return Verdict(False, still, (*regressions, f"{base.passed - run.passed} test(s) missing"), note)
    if regressions:
        shown = ", ".join(regressions[:3]) + (" …" if len(regressions) > 3 else "")
        return Verdict(False, still, regressions, f"regression: {shown} passed before and fail now")
    if still:
        return Verdict(False, still, (), f"{len(still)} of {len(targets)} failing test(s) still fail")
    kept = base.failing - targets
    note = "the tests pass" if not kept else f"the failing tests pass ({len(kept)} failing before still fail)"
    return Verdict(True, (), (), note)


def normalized(text: str) -> str:
    """Text with all runs of whitespace made one space: candidates equal up to whitespace are one."""
    return re.sub(r"\s+", " ", text).strip()


def diff_size(diff: str) -> tuple[int, int]:
    """Changed lines, then characters: the smaller diff wins a tie."""
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return len(changed), sum(len(line) for line in changed)


def change_size(old: dict[str, str | None], new: dict[str, str | None]) -> tuple[int, int]:
    """diff_size of files changed from `old` to `new` (None: absent), before any of them is written."""
    lines: list[str] = []
    for path, after in new.items():
        before = old.get(path)
        lines += difflib.unified_diff(
            (before or "").splitlines(), (after or "").splitlines(), f"a/{path}", f"b/{path}", lineterm=""
        )
    return diff_size("\n".join(lines))
