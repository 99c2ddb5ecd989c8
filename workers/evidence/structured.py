"""Evidence from a test run that left a machine-readable report (pytest's JUnit XML, Maven Surefire's XML,
go test's -json events: workers/evidence/test2json.py), else from its output.

The report decides which tests failed and the counts: its ids are exact where the terminal output is
ambiguous (a parameter holding " - ", spaces or brackets). The output, parsed as before, still gives each
failure its frames and excerpt where its id matches the report's. A report that is missing, too large,
malformed, or names a failure that cannot be turned back into a node id leaves the output to decide alone.

The report was written by the code under test: documents with a DTD (and so any entity declaration) are
refused before parsing, and its size was bounded when it was collected (workers/runners/reports.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workers.evidence.failures import COLLECTION, TEST, Evidence, Failure, ReportUnusable
from workers.evidence.parse import parse_log
from workers.evidence.pytraceback import looks_like_exception
from workers.evidence.test2json import parse_events

MAX_REPORT_CHARS = 4_000_000
# Of a failure's text, what a prompt excerpt keeps when the output did not show the failure itself.
EXCERPT_CHARS = 3000
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")
# pytest's message for an error in a fixture's teardown, after which it counts the test itself as passed.
_TEARDOWN = "failed on teardown"


@dataclass(frozen=True)
class _Outcome:
    test_id: str
    kind: str
    error_type: str | None
    message: str
    text: str


def parse_run(
    output: str, *, junit: str = "", surefire: str = "", gojson: str = "", repo_root: Path | None = None
) -> Evidence:
    """What a test run says failed: from its report (pytest's `junit`, Maven's `surefire`, or `go test
    -json`'s event stream, whose `output` is then the plain text rebuilt from it) when it left a usable one,
    else from its output."""
    from_output = parse_log(output, repo_root=repo_root)
    if not junit and not surefire and not gojson:
        return from_output
    try:
        if junit:
            from_report = parse_junit(junit, repo_root)
        else:
            from_report = parse_surefire(surefire) if surefire else parse_events(gojson)
    except ReportUnusable:
        return from_output
    if not from_report.failures and from_output.failures:
        # The run broke outside any test the report lists (an internal error, a crash at exit).
        return from_output
    return _with_output_detail(from_report, from_output)


def parse_junit(text: str, repo_root: Path | None = None) -> Evidence:
    """Evidence from pytest's JUnit XML report (xunit1, whose testcases name their file).

    Raises ReportUnusable for a report that is too large, holds a DTD, is not XML, or names a failing
    test whose node id cannot be rebuilt.
    """

    def outcome(case: ET.Element, problem: ET.Element) -> _Outcome:
        test_id, kind = _node_id(case, repo_root)
        error_type, message = _error(problem.get("message") or "")
        return _Outcome(test_id, kind, error_type, message, problem.text or "")

    return _read(text, "pytest", outcome)


def parse_surefire(text: str) -> Evidence:
    """Evidence from Surefire's XML reports (one <testsuite> per test class, under one <testsuites>).

    Ids are "com.pkg.Class.method", as the Surefire console parser names them. Raises ReportUnusable as
    parse_junit does.
    """

    def outcome(case: ET.Element, problem: ET.Element) -> _Outcome:
        classname, name = case.get("classname") or "", case.get("name") or ""
        if not name:
            raise ReportUnusable("a failing testcase has no name")
        test_id = f"{classname}.{name}" if classname else name
        message = (problem.get("message") or "").strip()
        return _Outcome(test_id, TEST, problem.get("type"), message, problem.text or "")

    return _read(text, "surefire", outcome)


def _read(text: str, runner: str, outcome: Callable[[ET.Element, ET.Element], _Outcome]) -> Evidence:
    """The failures `outcome` makes of the report's failing testcases, and the counts as the runners
    count: a failure and an error are each counted, a test is passed unless it failed, erred (other than in
    a fixture's teardown, which pytest counts beside the passed test) or was skipped."""
    outcomes: list[_Outcome] = []
    failed = errors = passed = 0
    for case in _testcases(text):
        failure, errored = case.find("failure"), case.find("error")
        failed += failure is not None
        errors += errored is not None
        teardown_only = errored is None or (errored.get("message") or "").startswith(_TEARDOWN)
        passed += case.find("skipped") is None and failure is None and teardown_only
        problem = failure if failure is not None else errored
        if problem is not None:
            outcomes.append(outcome(case, problem))
    return Evidence(
        runner=runner,
        failures=_failures(outcomes),
        summary_failed=failed,
        summary_passed=passed,
        summary_errors=errors,
    )


def _testcases(text: str) -> list[ET.Element]:
    if len(text) > MAX_REPORT_CHARS:
        raise ReportUnusable(f"the report is larger than {MAX_REPORT_CHARS} characters")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ReportUnusable("the report declares a DTD or entities")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise ReportUnusable(f"the report is not well-formed XML: {error}") from error
    if root.tag not in ("testsuites", "testsuite"):
        raise ReportUnusable(f"the report's root is <{root.tag}>, not a JUnit <testsuite(s)>")
    return list(root.iter("testcase"))


def _failures(outcomes: list[_Outcome]) -> list[Failure]:
    seen: dict[str, Failure] = {}
    for outcome in outcomes:
        if outcome.test_id in seen:
            continue  # a test that failed and then errored in teardown is one failing test
        error_type, message = outcome.error_type, outcome.message
        detail = [line for line in outcome.text.splitlines() if line.startswith("E ")]
        seen[outcome.test_id] = Failure(
            test_id=outcome.test_id,
            error_type=error_type,
            message=message,
            excerpt=outcome.text[-EXCERPT_CHARS:],
            kind=outcome.kind,
            detail=detail,
        )
    return list(seen.values())


def _node_id(case: ET.Element, repo_root: Path | None) -> tuple[str, str]:
    """pytest's node id for a testcase: pytest wrote the id's path as dots into `classname` (with the
    classes), the test's name (parameters included) into `name`, and the file into `file` (xunit1)."""
    classname, name, file = case.get("classname") or "", case.get("name") or "", case.get("file") or ""
    if not classname:
        # A module that failed to collect: `name` is the module's dotted path.
        if file and _dotted(file) == name:
            return file, COLLECTION
        path = _probe(name.split("."), repo_root)
        if path is None:
            raise ReportUnusable(f"cannot tell which file the collection error {name!r} is in")
        return path, COLLECTION
    parts = classname.split(".")
    if file.endswith(".py") and (classname == _dotted(file) or classname.startswith(_dotted(file) + ".")):
        path, classes = file, classname[len(_dotted(file)) + 1 :]
        return "::".join([path, *filter(None, classes.split(".")), name]), TEST
    # The test is defined in another file than the one it runs from (an inherited test case): the
    # classname's dots are found in the repository.
    for end in range(len(parts), 0, -1):
        path = _probe(parts[:end], repo_root)
        if path is not None:
            return "::".join([path, *parts[end:], name]), TEST
    raise ReportUnusable(f"cannot tell which file {classname}.{name} is in")


def _dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _probe(parts: list[str], repo_root: Path | None) -> str | None:
    if repo_root is None or not parts:
        return None
    path = "/".join(parts) + ".py"
    return path if (repo_root / path).is_file() else None


def _error(message: str) -> tuple[str | None, str]:
    """Error type and message from pytest's one-line message ("AssertionError: assert 1 == 2")."""
    message = message.strip()
    match = _EXCEPTION.match(message)
    if match and looks_like_exception(match.group(1)):
        return match.group(1), message[len(match.group(1)) :].lstrip(":").strip()
    return ("AssertionError" if message.startswith("assert ") else None), message


def _with_output_detail(from_report: Evidence, from_output: Evidence) -> Evidence:
    """The report's failures, each replaced by the output's reading of the same test where there is one
    (it has the frames and the excerpt as the runner printed them)."""
    by_id = {(f.kind, f.test_id): f for f in from_output.failures}
    failures = [by_id.get((f.kind, f.test_id), f) for f in from_report.failures]
    return Evidence(
        runner=from_report.runner,
        failures=failures,
        summary_failed=from_report.summary_failed,
        summary_passed=from_report.summary_passed,
        summary_errors=from_report.summary_errors,
        truncated=from_output.truncated,
    )
