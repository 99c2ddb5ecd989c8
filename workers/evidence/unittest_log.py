"""unittest's text runner output, which Django's test runner prints too."""

from __future__ import annotations

import re

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import COLLECTION, TEST, Evidence, Failure
from workers.evidence.paths import PathResolver
from workers.evidence.pytraceback import FILE_LINE, TRACEBACK_START, parse_traceback

_RULE = re.compile(r"^={60,}$")
_THIN_RULE = re.compile(r"^-{60,}$")
# "ERROR: test_x (module.Class)", 3.11+: "FAIL: test_x (module.Class.test_x)";
# subtests add " (i=1)" or " [msg]".
_HEAD = re.compile(
    r"^(?P<verdict>FAIL|ERROR|UNEXPECTED SUCCESS): (?P<name>\S+) \((?P<where>[^)]+)\)(?P<rest>.*)$"
)
_VERBOSE = re.compile(r"^(?P<name>\w+) \((?P<where>[\w.]+)\)(?:\s.*)? \.\.\. (?P<verdict>FAIL|ERROR)\s*$")
_RAN = re.compile(r"^Ran (\d+) tests? in [\d.]+s")
_RESULT = re.compile(r"^(FAILED|OK)(?: \((.*)\))?\s*$")
# unittest reports a test module that failed to import as a test of this pseudo-class.
_FAILED_IMPORT = "unittest.loader._FailedTest"


@register
class UnittestParser(RunnerParser):
    name = "unittest"
    signature = re.compile(r"^(?:FAIL|ERROR): \S+ \([^)]+\)|^Ran \d+ tests? in ", re.M)

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        ran: int | None = None
        counts: dict[str, int] | None = None
        index = 0
        while index < len(lines):
            line = lines[index]
            head = _HEAD.match(line) if index > 0 and _RULE.match(lines[index - 1]) else None
            if head:
                index = self._block(lines, index, head, resolver, failures)
                continue
            verbose = _VERBOSE.match(line)
            if verbose:
                test_id = _test_id(verbose["name"], verbose["where"])
                failures.add(Failure(test_id=test_id, kind=_kind_of(verbose["where"])))
            ran_match = _RAN.match(line)
            if ran_match:
                ran = (ran or 0) + int(ran_match.group(1))
            result = _RESULT.match(line)
            if result and ran is not None:
                counts = _merge(counts, _result_counts(result.group(2) or ""))
            index += 1
        failed, passed, errors = _summary(ran, counts)
        return Evidence(
            runner=self.name,
            failures=failures.items(),
            summary_failed=failed,
            summary_passed=passed,
            summary_errors=errors,
        )

    def _block(
        self, lines: list[str], index: int, head: re.Match[str], resolver: PathResolver, failures: FailureList
    ) -> int:
        test_id = _test_id(head["name"], head["where"])
        start = index
        index += 1
        # An optional docstring line, then a thin rule, then the traceback.
        while index < len(lines) and not _THIN_RULE.match(lines[index]) and index - start < 5:
            index += 1
        index += 1
        body_start = index
        while index < len(lines) and not _RULE.match(lines[index]):
            if _THIN_RULE.match(lines[index]) and index + 1 < len(lines) and _RAN.match(lines[index + 1]):
                break
            index += 1
        body = lines[body_start:index]
        failure = Failure(
            test_id=test_id, kind=_kind_of(head["where"]), excerpt=excerpt_of(lines[start:index])
        )
        for offset, line in enumerate(body):
            if TRACEBACK_START.match(line) or FILE_LINE.match(line):
                tb = parse_traceback(body, offset, resolver)
                failure.frames, failure.error_type = tb.frames, tb.error_type
                failure.message, failure.detail = tb.message, tb.detail
                break
        if head["verdict"] == "UNEXPECTED SUCCESS":
            failure.error_type = failure.error_type or "UnexpectedSuccess"
        subtest = head["rest"].strip()
        if subtest:
            # One failure per test method; the first failing subtest's parameters say which case broke.
            failure.detail.insert(0, f"subtest {subtest}")
        failures.add(failure)
        return index


def _test_id(name: str, where: str) -> str:
    """The dotted id unittest and Django's runtests.py accept: module.Class.test_method."""
    if where == _FAILED_IMPORT or where.startswith(_FAILED_IMPORT + "."):
        return name
    if where.endswith("." + name):
        return where
    return f"{where}.{name}"


def _kind_of(where: str) -> str:
    return COLLECTION if where.startswith(_FAILED_IMPORT) else TEST


def _result_counts(inside: str) -> dict[str, int]:
    counts = {"failures": 0, "errors": 0}
    for part in inside.split(","):
        key, _, value = part.strip().partition("=")
        if value.isdigit():
            counts[key] = int(value)
    return counts


def _merge(total: dict[str, int] | None, more: dict[str, int]) -> dict[str, int]:
    total = dict(total or {})
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


def _summary(ran: int | None, counts: dict[str, int] | None) -> tuple[int | None, int | None, int | None]:
    """(failed, passed, errors) from "Ran N tests" and "FAILED (failures=…, errors=…, skipped=…)"."""
    if counts is None:
        return None, None, None
    not_passed = sum(counts.get(key, 0) for key in ("failures", "errors", "skipped", "expected failures"))
    not_passed += counts.get("unexpected successes", 0)
    return counts["failures"], max((ran or 0) - not_passed, 0), counts["errors"]
