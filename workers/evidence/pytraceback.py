"""Python tracebacks, as the interpreter prints them (also pytest --tb=native, unittest, Django, sympy)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.evidence.failures import Frame
from workers.evidence.paths import PathResolver

# Also after other text on the line: sympy's runner prints "path.py[0] Traceback (most recent call last):".
TRACEBACK_START = re.compile(r"^(\s*)(?:\S.*\s)?Traceback \(most recent call last\):\s*$")
FILE_LINE = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>\S.*?))?\s*$')
# "AssertionError", "django.core.exceptions.ValidationError: ['x']", "KeyboardInterrupt".
EXCEPTION_LINE = re.compile(r"^(?P<type>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?::(?: (?P<msg>.*))?)?$")
_CHAINED = ("During handling of the above exception", "The above exception was the direct cause")
_REPEATED = re.compile(r"^\s*\[Previous line repeated \d+ more times?\]")
# Message lines kept after the exception line (diffs of assertEqual, multi-line messages).
MAX_DETAIL_LINES = 12
# Frames kept per traceback: the outermost few and the innermost many, as a deep recursion adds nothing.
MAX_FRAMES = 40


@dataclass
class Traceback:
    frames: list[Frame] = field(default_factory=list)
    error_type: str | None = None
    message: str = ""
    detail: list[str] = field(default_factory=list)
    end: int = 0  # index of the first line after the traceback


def looks_like_exception(name: str) -> bool:
    """Whether a bare word at the end of a traceback names an exception class rather than ordinary prose."""
    last = name.rsplit(".", 1)[-1]
    # Lower-case exception classes exist: re.error, socket.error, struct.error, curses.error …
    return last[:1].isupper() or last in {"error", "failure", "timeout", "herror", "gaierror"}


def parse_traceback(lines: list[str], start: int, resolver: PathResolver) -> Traceback:
    """Read one traceback (and any chained ones) beginning at `start`.

    `start` may point at "Traceback (most recent call last):" or straight at the first `File "…"` line
    (sympy's runner omits the header). Chained tracebacks are read too: the frames of all of them are kept,
    outermost first, and the error is the last one printed, which is what was finally raised.
    """
    result = Traceback()
    frames: list[Frame] = []
    sources: list[str | None] = []  # the source line Python printed under each frame
    earlier: list[str] = []  # the errors of a chain before the last one
    chain_start = 0
    index = start
    header = TRACEBACK_START.match(lines[start])
    indent = len(header.group(1)) if header else 0
    if header:
        index += 1
    while index < len(lines):
        line = lines[index]
        file_match = FILE_LINE.match(line)
        if file_match:
            frames.append(
                resolver.frame(file_match["path"], int(file_match["line"]), file_match["func"] or None)
            )
            index += 1
            # The source line and caret markers are indented deeper than the File line.
            source = None
            while index < len(lines) and lines[index].startswith(" " * (indent + 4)):
                if FILE_LINE.match(lines[index]):
                    break
                if source is None:
                    source = lines[index].strip()
                index += 1
            sources.append(source)
            continue
        if _REPEATED.match(line):
            index += 1
            continue
        text = line.strip()
        # Python prints no blank line inside one traceback: a blank line means it was cut short.
        if not text:
            break
        if TRACEBACK_START.match(line) or text.startswith(_CHAINED):
            index += 1
            continue
        match = EXCEPTION_LINE.match(text)
        if match and looks_like_exception(match["type"]):
            if result.error_type is not None:
                # The earlier error of a chain is often the cause; say where it was raised.
                where = next((f for f in reversed(frames[:chain_start]) if f.in_repo), None)
                place = f" ({where.path}:{where.line})" if where else ""
                earlier.append(f"while handling {result.detail[0]}{place}")
            chain_start = len(frames)
            result.error_type = match["type"]
            result.message = (match["msg"] or "").strip()
            result.detail = [text]
            index = _read_message_tail(lines, index + 1, result)
            # A chained traceback follows after a blank line and the "During handling" sentence.
            after = _skip_blank(lines, index)
            if after < len(lines) and lines[after].strip().startswith(_CHAINED):
                index = _skip_blank(lines, after + 1)
                continue
            break
        # Anything else ends the traceback (a truncated log, or output of another tool).
        break
    result.frames = bounded(frames)
    result.detail = _pointed(frames, sources) + result.detail + earlier
    result.end = index
    return result


def _pointed(frames: list[Frame], sources: list[str | None]) -> list[str]:
    """The source lines of the outermost and innermost repository frames, marked as pytest marks them."""
    shown = [i for i, frame in enumerate(frames) if frame.in_repo and sources[i]]
    picked = sorted({shown[0], shown[-1]}) if shown else []
    return [f"> {sources[i]}" for i in picked]


def _read_message_tail(lines: list[str], index: int, result: Traceback) -> int:
    """Multi-line exception messages (unittest diffs) run until a blank line or the next block."""
    while index < len(lines) and len(result.detail) < MAX_DETAIL_LINES:
        line = lines[index]
        if not line.strip() or TRACEBACK_START.match(line) or line.startswith(("=====", "-----", "_____")):
            break
        result.detail.append(line.rstrip())
        index += 1
    return index


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def bounded(frames: list[Frame]) -> list[Frame]:
    """At most MAX_FRAMES: the outermost few (the test) and the innermost rest (where it broke)."""
    if len(frames) <= MAX_FRAMES:
        return frames
    keep_outer = 5
    return frames[:keep_outer] + frames[-(MAX_FRAMES - keep_outer) :]
