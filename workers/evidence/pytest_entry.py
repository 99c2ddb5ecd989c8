"""One entry of pytest's FAILURES or ERRORS section, in any --tb style, read into frames and error lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.evidence.failures import Frame
from workers.evidence.paths import PathResolver
from workers.evidence.pytraceback import (
    FILE_LINE,
    MAX_DETAIL_LINES,
    TRACEBACK_START,
    bounded,
    looks_like_exception,
    parse_traceback,
)

# --tb=short (and collection errors in every style): "path/to/file.py:15: in function_name".
SHORT_LOCATION = re.compile(r"^(?P<path>[^\s:][^:]*?):(?P<line>\d+): in (?P<func>\S+)\s*$")
# --tb=long/auto: each entry ends with "path/to/file.py:15: " and the last one names the exception.
LONG_LOCATION = re.compile(r"^(?P<path>[^\s:][^:]*?\.\w+):(?P<line>\d+):(?: (?P<exc>[A-Za-z_][\w.]*)?)?\s*$")
# --tb=line: one line per failure, "/abs/path/file.py:15: assert 1 == 2".
LINE_STYLE = re.compile(r"^(?P<path>[^\s:][^:]*?\.\w+):(?P<line>\d+): (?P<msg>.+)$")
_DEF = re.compile(r"^\s+(?:async\s+)?def (\w+)\(")
_E_LINE = re.compile(r"^E {1,}(.*)$")
_E_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*):(?: (?P<msg>.*))?$")
_EXCEPTION_WORD = re.compile(r"^[A-Z]\w*(?:Error|Exception|Failed|Exit|Interrupt|Warning)$")
_CAPTURED = re.compile(r"^-{3,} Captured .* -{3,}$|^-{3,} Captured \w+ \w+ -{3,}$")


@dataclass
class EntryReading:
    frames: list[Frame] = field(default_factory=list)
    error_type: str | None = None
    message: str = ""
    detail: list[str] = field(default_factory=list)


def read_entry(lines: list[str], resolver: PathResolver) -> EntryReading:
    """Frames, error type, message and the telling lines of one failure entry (captured output excluded)."""
    body: list[str] = []
    for line in lines:
        if _CAPTURED.match(line):
            break
        body.append(line)
    for index, line in enumerate(body):
        if TRACEBACK_START.match(line):
            return _native(body, index, resolver)
    return _pytest_style(body, resolver)


def _native(body: list[str], start: int, resolver: PathResolver) -> EntryReading:
    tb = parse_traceback(body, start, resolver)
    return EntryReading(frames=tb.frames, error_type=tb.error_type, message=tb.message, detail=tb.detail)


def _pytest_style(body: list[str], resolver: PathResolver) -> EntryReading:
    reading = EntryReading()
    last_def: str | None = None
    e_lines: list[str] = []
    pointed: list[str] = []
    long_exc: str | None = None
    for line in body:
        def_match = _DEF.match(line)
        if def_match:
            last_def = def_match.group(1)
        if line.startswith(">"):
            pointed.append(line)
            continue
        e_match = _E_LINE.match(line)
        if e_match:
            text = e_match.group(1)
            e_lines.append(line.rstrip())
            # A SyntaxError shown while importing a test module carries its own location in the E lines.
            file_match = FILE_LINE.match(text)
            if file_match:
                reading.frames.append(resolver.frame(file_match["path"], int(file_match["line"]), None))
            continue
        short = SHORT_LOCATION.match(line)
        if short:
            reading.frames.append(resolver.frame(short["path"], int(short["line"]), short["func"]))
            last_def = None
            continue
        long = LONG_LOCATION.match(line)
        if long:
            reading.frames.append(resolver.frame(long["path"], int(long["line"]), last_def))
            last_def = None
            if long["exc"] and looks_like_exception(long["exc"]):
                long_exc = long["exc"]
    reading.frames = bounded(reading.frames)
    reading.error_type, reading.message = _error_of(e_lines, long_exc)
    # The lines pytest points at (in the test, and where it broke when that is deeper), then the E lines.
    shown = list(dict.fromkeys(pointed[:1] + pointed[-1:]))
    reading.detail = (shown + e_lines)[:MAX_DETAIL_LINES]
    return reading


def _error_of(e_lines: list[str], long_exc: str | None) -> tuple[str | None, str]:
    """The error from pytest's E lines: the first "Type: message" or bare assert, else the location's."""
    texts = [line[1:].strip() for line in e_lines]
    for text in texts:
        if text.startswith("assert ") or text == "assert":
            return long_exc or "AssertionError", text
        match = _E_EXCEPTION.match(text)
        if match and looks_like_exception(match["type"]):
            return match["type"], (match["msg"] or "").strip()
        if _EXCEPTION_WORD.match(text):
            return text, ""
    return long_exc, texts[0] if texts else ""
