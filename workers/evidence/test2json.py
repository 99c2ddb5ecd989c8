"""go test -json's event stream (test2json): the plain text it stands for, and the failures it reports.

The stream is what the code under test printed, so it is read as untrusted input: its size was bounded when
it was collected and is checked again here, a line that does not decode to an event is either plain output
or (when it looks like a cut or forged event) dropped, and no field is trusted to have the type the format
promises. Lines that are not events are expected: Go 1.19 prints build errors and the "[build failed]"
verdict outside the stream, and the runner's stderr shares the output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from workers.evidence.base import excerpt_of
from workers.evidence.failures import BUILD, CRASH, TEST, Evidence, Failure, ReportUnusable

MAX_STREAM_CHARS = 4_000_000
# Of each test's and package's output, what is kept for its failure's excerpt.
_MAX_LINES = 60
_OUTPUT_ACTIONS = ("output", "build-output")  # "build-output" is Go 1.24's build log
_VERDICTS = ("pass", "fail", "skip")
# A package that did not build: "FAIL\tpkg [build failed]" (or "[setup failed]"), in or outside an event.
_NOT_BUILT = re.compile(r"^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]\s*$")
_LOG_LINE = re.compile(r"^\s+\S+\.go:\d+: ?(.*)$")
_PANIC = re.compile(r"^panic: (.*)$")
_FRAMING = re.compile(r"^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)|--- (?:PASS|FAIL|SKIP):)")


@dataclass(frozen=True)
class Event:
    action: str
    package: str
    test: str
    output: str
    failed_build: bool  # Go 1.24 marks a package that failed to build on its "fail" event


def decode(line: str) -> Event | str | None:
    """The event on `line`; the line itself when it is plain output; None for a malformed event."""
    if not (line.startswith("{") and '"Action"' in line):
        return line
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):  # deep nesting overflows the decoder's stack
        return None
    if not isinstance(data, dict) or not isinstance(data.get("Action"), str):
        return None
    package = data.get("Package") or data.get("ImportPath")
    output, test = data.get("Output"), data.get("Test")
    return Event(
        action=data["Action"],
        package=package if isinstance(package, str) else "",
        test=test if isinstance(test, str) else "",
        output=output if isinstance(output, str) else "",
        failed_build=bool(data.get("FailedBuild")),
    )


def _lines(stream: str) -> list[str]:
    # Not splitlines(): Go's encoder leaves U+0085 and other separators it knows unescaped inside events.
    return stream.split("\n")


def has_events(stream: str) -> bool:
    """Whether `stream` holds at least one test2json event."""
    return any(isinstance(decode(line), Event) for line in _lines(stream) if line.startswith("{"))


def plain_text(stream: str) -> str:
    """The output as `go test -v` would have printed it: the events' output, and every plain line."""
    parts: list[str] = []
    for line in _lines(stream):
        item = decode(line)
        if isinstance(item, str):
            parts.append(item + "\n")
        elif item is not None and item.action in _OUTPUT_ACTIONS:
            parts.append(item.output)
    return "".join(parts).removesuffix("\n")


@dataclass
class _Record:
    """One test's (or, with no test, one package's) output and verdicts."""

    output: list[str] = field(default_factory=list)
    failed: bool = False
    passes: int = 0
    build_failed: bool = False

    def add_output(self, text: str) -> None:
        if len(self.output) < _MAX_LINES:
            self.output.extend(text.rstrip("\n").split("\n")[: _MAX_LINES - len(self.output)])


def parse_events(stream: str) -> Evidence:
    """The failures and counts the stream's events report: each failing test as "package.Test/subtest",
    each package that failed outside its tests (a build error, a panic in TestMain or init) as the package.

    Raises ReportUnusable for a stream that is too large or holds no event at all.
    """
    if len(stream) > MAX_STREAM_CHARS:
        raise ReportUnusable(f"the go test -json output is larger than {MAX_STREAM_CHARS} characters")
    tests: dict[tuple[str, str], _Record] = {}
    packages: dict[str, _Record] = {}
    failing: list[tuple[str, str]] = []
    seen_event = False
    for line in _lines(stream):
        item = decode(line)
        if isinstance(item, str):
            not_built = _NOT_BUILT.match(item)
            if not_built:
                packages.setdefault(not_built.group(1), _Record()).build_failed = True
            continue
        if item is None:
            continue
        seen_event = True
        record = tests.setdefault((item.package, item.test), _Record()) if item.test else None
        package = packages.setdefault(item.package, _Record())
        target = record or package
        if item.action in _OUTPUT_ACTIONS:
            target.add_output(item.output)
            package.build_failed |= bool(_NOT_BUILT.match(item.output))
        elif item.action in _VERDICTS:
            target.passes += item.action == "pass"
            package.build_failed |= item.failed_build
            if item.action == "fail" and not target.failed and record is not None:
                failing.append((item.package, item.test))
            target.failed |= item.action == "fail"
    if not seen_event:
        raise ReportUnusable("the output holds no go test -json event")
    failures = [_test_failure(package, test, tests[package, test]) for package, test in failing]
    failed_packages = {package for package, _ in failing}
    for name, package in packages.items():
        if (package.failed or package.build_failed) and name and name not in failed_packages:
            failures.append(_package_failure(name, package))
    return Evidence(
        runner="go",
        failures=failures,
        summary_failed=len(failing),
        summary_passed=sum(record.passes for record in tests.values()),
        summary_errors=len(failures) - len(failing),
    )


def _test_failure(package: str, test: str, record: _Record) -> Failure:
    messages = [m.group(1) for m in map(_LOG_LINE.match, record.output) if m]
    panic = next(filter(None, map(_PANIC.match, record.output)), None)
    return Failure(
        test_id=f"{package}.{test}" if package else test,
        error_type="panic" if panic else None,
        message=panic.group(1) if panic else (messages[0] if messages else ""),
        excerpt=excerpt_of(record.output),
        kind=TEST,
        detail=[line for line in record.output if not _FRAMING.match(line)][:12],
    )


def _package_failure(name: str, record: _Record) -> Failure:
    panic = next(filter(None, map(_PANIC.match, record.output)), None)
    said = [line for line in record.output if line.strip() and not _NOT_BUILT.match(line)]
    if record.build_failed:
        message = "build failed"
    else:
        message = panic.group(1) if panic else (said[0].strip() if said else "the package failed")
    return Failure(
        test_id=name,
        error_type="panic" if panic and not record.build_failed else None,
        message=message,
        excerpt=excerpt_of(record.output),
        kind=BUILD if record.build_failed else CRASH,
        detail=said[:12],
    )
