"""parse_log_file: parse a log of any size in bounded memory by keeping only the lines that can matter.

Bounds (per call, whatever the file size):
- the first HEAD_CHARS characters of cleaned log text are kept whole (failure sections usually fit);
- after that, only "marker" lines are kept (section headers, verdict lines, summary and count lines of every
  supported runner), up to MARKER_CHARS characters;
- the last TAIL_LINES lines are always kept (final summaries live there);
- every line is cut to LINE_CHARS characters, read in pieces so a line without newlines cannot exhaust memory.
Peak memory is therefore about HEAD_CHARS + MARKER_CHARS + TAIL_LINES * LINE_CHARS characters plus the parse
of that text; time is linear in the file size. Evidence.truncated tells the caller when lines were dropped.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workers.evidence.clean import clean_line
from workers.evidence.model import Evidence
from workers.evidence.parse import parse_lines

HEAD_CHARS = 6_000_000
MARKER_CHARS = 2_000_000
TAIL_LINES = 2_000
LINE_CHARS = 2_000
_READ_CHARS = 64 * 1024

_MARKER = re.compile(
    r"^=+ .* =+$|^_{3,} .+ _{3,}$|^(?:FAILED|ERROR)[ :]|^rootdir: "  # pytest
    r"|^={60,}$|^-{60,}$|^Ran \d+ tests?|^(?:FAILED|OK)(?: \(|$)|^(?:FAIL|ERROR): "  # unittest, Django
    r"|tests finished:|^\S+\.py\[\d+\]|^test_\w+ [FE]$"  # sympy
    r"|^\s*--- FAIL: |^(?:FAIL|ok)\s+\S+|\"Action\":\s*\"fail\""  # go test
    r"|^\s*FAIL\s|^Tests:\s|^\s+Tests\s+\d"  # jest, vitest
    r"|^test result: |^test \S+ \.\.\. FAILED$"  # cargo
    r"|<<< (?:FAILURE|ERROR)!$|Tests run: \d+|^\[ERROR\] (?:Failures|Errors):|^\[ERROR\]\s{2,}\S"  # surefire
)


def parse_log_file(path: Path, **kwargs: object) -> Evidence:
    """parse_log for a file on disk, in bounded memory and linear time (see the module docstring)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        lines, truncated = keep_lines(_bounded_lines(handle))
    evidence = parse_lines(lines, **kwargs)  # type: ignore[arg-type]
    evidence.truncated = evidence.truncated or truncated
    return evidence


def keep_lines(lines: Iterator[str]) -> tuple[list[str], bool]:
    """The cleaned lines worth parsing, and whether any were dropped."""
    head: list[str] = []
    head_chars = 0
    markers: list[tuple[int, str]] = []
    marker_chars = 0
    tail: deque[tuple[int, str]] = deque(maxlen=TAIL_LINES)
    dropped = False
    number = 0
    for raw in lines:
        line = clean_line(raw)
        if line is None:
            continue
        number += 1
        if head_chars < HEAD_CHARS:
            head.append(line)
            head_chars += len(line) + 1
            continue
        if len(tail) == tail.maxlen:
            # The oldest tail line leaves the tail: keep it only if it is a marker.
            old_number, old_line = tail[0]
            if marker_chars < MARKER_CHARS and _MARKER.search(old_line):
                markers.append((old_number, old_line))
                marker_chars += len(old_line) + 1
            else:
                dropped = True
        tail.append((number, line))
    return head + [line for _n, line in markers] + [line for _n, line in tail], dropped


def _bounded_lines(handle: IO[str]) -> Iterator[str]:
    """Lines of at most LINE_CHARS characters; the rest of a longer line is read and thrown away."""
    while True:
        line = handle.readline(_READ_CHARS)
        if not line:
            return
        if len(line) == _READ_CHARS and not line.endswith("\n"):
            rest = line
            while rest and not rest.endswith("\n"):
                rest = handle.readline(_READ_CHARS)
        yield line[:LINE_CHARS]
