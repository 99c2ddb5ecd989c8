"""SymPy's own test runner (bin/test, sympy.test()): per-file verdict letters and "path.py:test" entries."""

from __future__ import annotations

import re

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import Evidence, Failure
from workers.evidence.paths import PathResolver
from workers.evidence.pytraceback import FILE_LINE, TRACEBACK_START, parse_traceback

_ENTRY = re.compile(r"^_{3,} (?P<path>\S+?\.py):(?P<name>\S+) _{3,}$")
_RULE = re.compile(r"^_{40,}$")
_FILE = re.compile(r"^(?P<path>\S+\.py)\[\d+\]")
# In the per-file listing, "F" is a failure and "E" an exception; "f" (expected) and "X" (xpass) are not.
_VERDICT = re.compile(r"^(?P<name>test_\w+) (?P<verdict>[FE])\s*$")
_FINISHED = re.compile(r"^\s*tests finished: (.*)$")
_COUNT = re.compile(r"(\d+) (passed|failed|skipped|exceptions?|expected to fail but passed|expected to fail)")


@register
class SympyParser(RunnerParser):
    name = "sympy"
    signature = re.compile(r"^=+ test process starts =+$|^\s*tests finished: ", re.M)

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        current_file: str | None = None
        counts: dict[str, int] | None = None
        index = 0
        while index < len(lines):
            line = lines[index]
            # Cheap guards first: most lines of a sympy log are "test_x ok" and match none of these.
            entry = _ENTRY.match(line) if line.startswith("_") else None
            if entry:
                index = self._entry(lines, index, entry, resolver, failures)
                continue
            file_match = _FILE.match(line) if ".py[" in line else None
            if file_match:
                current_file = file_match["path"]
            verdict = _VERDICT.match(line) if line.startswith("test_") and line[-1:] in "FE " else None
            if verdict and current_file:
                failures.add(Failure(test_id=f"{current_file}::{verdict['name']}"))
            finished = _FINISHED.match(line) if "tests finished:" in line else None
            if finished:
                # The counts wrap onto further lines until "in N seconds".
                text = finished.group(1)
                for follow in lines[index + 1 : index + 3]:
                    if " seconds" in text:
                        break
                    text += " " + follow.strip()
                counts = counts or {}
                for number, word in _COUNT.findall(text):
                    counts[word] = counts.get(word, 0) + int(number)
            index += 1
        return Evidence(
            runner=self.name,
            failures=failures.items(),
            summary_failed=counts.get("failed", 0) if counts is not None else None,
            summary_passed=counts.get("passed", 0) if counts is not None else None,
            summary_errors=(counts.get("exceptions", 0) + counts.get("exception", 0)) if counts else None,
        )

    def _entry(
        self,
        lines: list[str],
        index: int,
        entry: re.Match[str],
        resolver: PathResolver,
        failures: FailureList,
    ) -> int:
        start = index
        index += 1
        while index < len(lines) and not (
            _RULE.match(lines[index]) or _ENTRY.match(lines[index]) or _FINISHED.match(lines[index])
        ):
            index += 1
        body = lines[start + 1 : index]
        failure = Failure(test_id=f"{entry['path']}::{entry['name']}", excerpt=excerpt_of(lines[start:index]))
        for offset, line in enumerate(body):
            if TRACEBACK_START.match(line) or FILE_LINE.match(line):
                tb = parse_traceback(body, offset, resolver)
                failure.frames, failure.error_type = tb.frames, tb.error_type
                failure.message, failure.detail = tb.message, tb.detail
                break
        failures.add(failure)
        return index
