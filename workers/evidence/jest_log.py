"""Jest and Vitest reporters' default output. Test ids are "file > describe > test", Vitest's own form."""

from __future__ import annotations

import re

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import COLLECTION, TEST, Evidence, Failure, Frame
from workers.evidence.paths import PathResolver

_ERROR_LINE = re.compile(r"^\s*(?P<type>(?:[A-Z]\w*)?(?:Error|Exception))(?:: (?P<msg>.*))?$")
# Where a file that does not compile is broken: Babel's "SyntaxError: /abs/file.js: Unexpected token (5:3)"
# in Jest, Vite's "File: /abs/file.js:1:0" in Vitest.
_BABEL_LOCATION = re.compile(r"^(?P<path>\S+?): .*\((?P<line>\d+):\d+\)$")
_VITE_LOCATION = re.compile(r"^\s*File: (?P<path>\S+?):(?P<line>\d+):\d+$")
_MAX_FRAMES = 30
_CODE_POINTER = re.compile(r"^\s*>\s*\d+\s*\|")
_COUNTS = re.compile(r"(\d+) (failed|passed|skipped|todo|total)")
_MAX_ENTRY_LINES = 80

# Jest: "FAIL src/sum.test.js", then "  ● describe › test" entries, "      at fn (src/sum.js:2:47)" frames.
_JEST_FILE = re.compile(r"^\s*FAIL\s+(\S+)\s*(?:\(.*\))?$")
_JEST_ENTRY = re.compile(r"^\s{2}● (.+)$")
_JEST_FRAME = re.compile(r"^\s+at (?:(?P<func>.+?) \()?(?P<path>[^()\s]+?):(?P<line>\d+):\d+\)?$")
_JEST_TESTS = re.compile(r"^Tests:\s+(.*)$")
# Jest titles its configuration messages with the same bullet as failures.
_JEST_NOT_A_TEST = re.compile(r"^(?:Validation|Deprecation) (?:Warning|Error)")

# Vitest: " FAIL  src/sum.test.js > describe > test", the error, then " ❯ [fn] src/sum.js:2:47" frames.
_VITEST_ENTRY = re.compile(r"^\s*FAIL\s+(?P<file>\S+) (?:> (?P<rest>.+)|\[ (?P<suite>\S+) \])\s*$")
_VITEST_FRAME = re.compile(r"^\s*❯ (?:(?P<func>\S+) )?(?P<path>[^\s:]+):(?P<line>\d+):\d+\s*$")
_VITEST_TESTS = re.compile(r"^\s+Tests\s+(\d+ (?:failed|passed).*)$")
_VITEST_END = re.compile(r"^⎯{3,}|^\s*(?:Test Files|Tests)\s+\d+")


def _read(body: list[str], frame_re: re.Pattern[str], resolver: PathResolver) -> dict:
    """Error type, message, frames and telling lines from the body of one Jest or Vitest entry."""
    error_type: str | None = None
    message = ""
    frames: list[Frame] = []
    detail: list[str] = []
    for line in body:
        frame = frame_re.match(line)
        if frame:
            frames.append(resolver.frame(frame["path"], int(frame["line"]), frame["func"]))
            continue
        text = line.strip()
        if not text:
            continue
        if not message:
            error = _ERROR_LINE.match(text)
            if error:
                error_type, message = error["type"], error["msg"] or ""
            else:
                # expect(...) failures print the matcher first; they are assertion failures.
                error_type = "AssertionError" if text.startswith("expect(") else None
                message = text
            detail.append(text)
        elif _CODE_POINTER.match(line) or (not frames and len(detail) < 8 and "|" not in text):
            detail.append(text)
    # Jest and Vitest print the innermost call first; Frame lists are outermost first.
    frames = frames[:_MAX_FRAMES][::-1]
    location = _BABEL_LOCATION.match(message) if error_type == "SyntaxError" else None
    location = location or next(filter(None, map(_VITE_LOCATION.match, body)), None)
    if location:
        # The broken file is where the error is, whatever the compiler's own stack says.
        frames.append(resolver.frame(location["path"], int(location["line"])))
    return {"error_type": error_type, "message": message, "frames": frames, "detail": detail[:12]}


def _counts(text: str) -> dict[str, int]:
    return {word: int(number) for number, word in _COUNTS.findall(text)}


def _entry_end(lines: list[str], index: int, boundaries: tuple[re.Pattern[str], ...]) -> int:
    """Where the entry starting at `index` ends: at the next boundary line, or after _MAX_ENTRY_LINES."""
    end = index + 1
    while (
        end < len(lines)
        and end - index < _MAX_ENTRY_LINES
        and not any(b.match(lines[end]) for b in boundaries)
    ):
        end += 1
    return end


def _evidence(runner: str, failures: FailureList, counts: dict[str, int] | None) -> Evidence:
    return Evidence(
        runner=runner,
        failures=failures.items(),
        summary_failed=counts.get("failed", 0) if counts is not None else None,
        summary_passed=counts.get("passed", 0) if counts is not None else None,
    )


@register
class JestParser(RunnerParser):
    name = "jest"
    signature = re.compile(r"^\s{2}● |^Tests:\s+\d+ (?:failed|passed)", re.M)

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        file: str | None = None
        counts: dict[str, int] | None = None
        index = 0
        while index < len(lines):
            line = lines[index]
            file_match = _JEST_FILE.match(line)
            if file_match:
                file = file_match.group(1)
            entry = _JEST_ENTRY.match(line)
            if entry and _JEST_NOT_A_TEST.match(entry.group(1)):
                entry = None
            if entry and file:
                end = _entry_end(lines, index, (_JEST_ENTRY, _JEST_FILE, _JEST_TESTS))
                title = entry.group(1).strip()
                if title == "Test suite failed to run":
                    failure = Failure(
                        test_id=file, kind=COLLECTION, **_read(lines[index + 1 : end], _JEST_FRAME, resolver)
                    )
                else:
                    names = " > ".join(part.strip() for part in title.split(" › "))
                    failure = Failure(
                        test_id=f"{file} > {names}",
                        kind=TEST,
                        **_read(lines[index + 1 : end], _JEST_FRAME, resolver),
                    )
                failure.excerpt = excerpt_of(lines[index:end])
                failures.add(failure)
                index = end
                continue
            tests = _JEST_TESTS.match(line)
            if tests:
                counts = _counts(tests.group(1))
            index += 1
        return _evidence(self.name, failures, counts)


@register
class VitestParser(RunnerParser):
    name = "vitest"
    signature = re.compile(r"^\s*FAIL\s+\S+ (?:> |\[ )|^\s+Tests\s+\d+ (?:failed|passed)", re.M)

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        counts: dict[str, int] | None = None
        index = 0
        while index < len(lines):
            line = lines[index]
            entry = _VITEST_ENTRY.match(line)
            if entry:
                end = _entry_end(lines, index, (_VITEST_ENTRY, _VITEST_END))
                body = _read(lines[index + 1 : end], _VITEST_FRAME, resolver)
                if entry["rest"]:
                    names = " > ".join(part.strip() for part in entry["rest"].split(" > "))
                    failure = Failure(test_id=f"{entry['file']} > {names}", kind=TEST, **body)
                else:
                    failure = Failure(test_id=entry["file"], kind=COLLECTION, **body)
                failure.excerpt = excerpt_of(lines[index:end])
                failures.add(failure)
                index = end
                continue
            tests = _VITEST_TESTS.match(line)
            if tests:
                counts = _counts(tests.group(1))
            index += 1
        return _evidence(self.name, failures, counts)
