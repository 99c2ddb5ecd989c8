"""A Python process that died with a traceback outside any runner's report (a script, a runner's start-up)."""

from __future__ import annotations

import re
from typing import ClassVar

from workers.evidence.base import FailureList, RunnerParser, excerpt_of, register
from workers.evidence.failures import CRASH, Evidence, Failure
from workers.evidence.paths import PathResolver
from workers.evidence.pytraceback import TRACEBACK_START, parse_traceback

# A SyntaxError is printed without "Traceback" when the main script itself does not compile.
_BARE_SYNTAX_ERROR = re.compile(r'^\s*File "[^"]+", line \d+\s*$')


@register
class PythonCrashParser(RunnerParser):
    """Only consulted when no test runner found a failure: then the crash is the failure."""

    name = "python"
    signature = re.compile(
        r"^\s*Traceback \(most recent call last\):\s*$|^\w*(?:Syntax|Indentation)Error: ", re.M
    )
    fallback: ClassVar[bool] = True

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        failures = FailureList()
        index = 0
        while index < len(lines):
            line = lines[index]
            if TRACEBACK_START.match(line) or _BARE_SYNTAX_ERROR.match(line):
                tb = parse_traceback(lines, index, resolver)
                if tb.error_type is not None:
                    failures.add(
                        Failure(
                            test_id=_what_ran(tb.frames),
                            kind=CRASH,
                            error_type=tb.error_type,
                            message=tb.message,
                            frames=tb.frames,
                            detail=tb.detail,
                            excerpt=excerpt_of(lines[index : tb.end]),
                        )
                    )
                index = max(tb.end, index + 1)
                continue
            index += 1
        return Evidence(runner=self.name, failures=failures.items())


def _what_ran(frames: list) -> str:
    """Name a crash after the outermost file of the repository that was running (the script), if any."""
    for frame in frames:
        if frame.in_repo:
            return frame.path
    return frames[0].path if frames else ""
