"""Keep the lines of a log of any size that can matter, in bounded memory (for parse_log_file, parse_log).

Bounds (per call, whatever the file size):
- the first HEAD_CHARS characters of cleaned log text are kept whole (failure sections usually fit);
- after that, only "marker" lines are kept (section headers, verdict lines, summary and count lines of every
  supported runner), up to MARKER_CHARS characters;
- the last TAIL_CHARS characters (at most TAIL_LINES lines) are always kept: final summaries live there;
- every kept line is cut to LINE_CHARS characters, and a line without newlines is read in pieces.
Peak memory is therefore about HEAD_CHARS + MARKER_CHARS + 2 * TAIL_CHARS + CHUNK_CHARS characters plus the
parse of the kept text (bench/parse_logs_bench.py measures about 35 MB and 2 s of CPU for a 50 MB log); time
is linear in the file size. Evidence.truncated says when lines were dropped or cut.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from typing import IO

from workers.evidence.clean import clean_line

HEAD_CHARS = 6_000_000
MARKER_CHARS = 2_000_000
TAIL_CHARS = 1_000_000
TAIL_LINES = 5_000
LINE_CHARS = 2_000
CHUNK_CHARS = 1_000_000

# Lines that carry structure or a verdict, found in whole chunks at once: those that start with one, and
# those that hold one of a few fixed strings anywhere (searched for directly, then widened to their line).
_MARKER_START = re.compile(
    r"^[ \t]*(?:"
    r"=+ .* =+$|(?:FAILED|ERROR)[ :]|rootdir: "  # pytest (not entry titles: their bodies are gone)
    r"|={20,}$|-{60,}$|Ran \d+ tests?|OK(?: \(|$)|FAIL: "  # unittest, Django
    r"|\S+\.py\[\d+\]|test_\w+ [FE]$"  # sympy
    r"|--- FAIL: |(?:FAIL|ok)\s"  # go test
    r"|Tests:?\s|● "  # jest, vitest
    r"|test result: |test \S+ \.\.\. FAILED$|---- \S+ stdout ----$"  # cargo
    r"|\[ERROR\] (?:Failures|Errors):|\[ERROR\]\s{2,}\S"  # surefire
    r").*$",
    re.M,
)
_MARKER_INSIDE = re.compile(r"tests finished:|Tests run: |<<< (?:FAILURE|ERROR)!|\"Action\":\s*\"fail\"")
# The chunk-wide versions of clean_line's steps (that function handles one line of the head).
_STAMP = re.compile(r"^(?:[^\t\n]*\t[^\t\n]*\t)?\ufeff?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_ENDGROUP = re.compile(r"^##\[endgroup\].*\n?", re.M)
_WORKFLOW_CMD = re.compile(r"^##\[(?:group|error|warning|notice|debug|command|section)\]", re.M)


def read_bounded(handle: IO[str]) -> tuple[list[str], bool]:
    """The cleaned lines worth parsing, and whether any were dropped."""
    head: list[str] = []
    head_chars = 0
    cut_short = False
    while head_chars < HEAD_CHARS:
        raw, was_cut = _read_line(handle)
        if raw is None:
            return head, cut_short
        cut_short = cut_short or was_cut
        line = clean_line(raw)
        if line is not None:
            head.append(line)
            head_chars += len(line) + 1
    markers: list[str] = []
    budget = [MARKER_CHARS]
    window: deque[str] = deque()  # cleaned chunks, newest last; the newest TAIL_CHARS become the tail
    window_chars = 0
    carry = ""
    while True:
        data = handle.read(CHUNK_CHARS)
        if not data:
            break
        data = carry + data
        cut = max(data.rfind("\n"), data.rfind("\r"))
        if cut < 0:
            # One line longer than a chunk: keep its start, the rest cannot matter.
            carry = data[:LINE_CHARS]
            continue
        carry = data[cut + 1 :]
        cleaned = _clean_chunk(data[: cut + 1])
        window.append(cleaned)
        window_chars += len(cleaned)
        while len(window) > 1 and window_chars - len(window[0]) >= TAIL_CHARS:
            oldest = window.popleft()
            window_chars -= len(oldest)
            _keep_markers(oldest, markers, budget)
    if carry:
        window.append(_clean_chunk(carry + "\n"))
    tail = "".join(window).splitlines()
    if len(tail) > TAIL_LINES:
        _keep_markers("\n".join(tail[:-TAIL_LINES]), markers, budget)
        tail = tail[-TAIL_LINES:]
    return head + markers + _cleaned(tail), True


def _keep_markers(text: str, markers: list[str], budget: list[int]) -> None:
    for line in _cleaned(_marker_lines(text)):
        if budget[0] < len(line):
            return
        markers.append(line)
        budget[0] -= len(line) + 1


def _marker_lines(text: str) -> list[str]:
    """Marker lines of a chunk, in the order they appear, each once."""
    found = {match.start(): match.group(0) for match in _MARKER_START.finditer(text)}
    for match in _MARKER_INSIDE.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        if start not in found:
            end = text.find("\n", match.end())
            found[start] = text[start : end if end >= 0 else len(text)]
    return [found[start] for start in sorted(found)]


def _cleaned(lines: Iterable[str]) -> list[str]:
    """clean_line's full treatment (colour codes that lost their ESC byte, …) for the few lines kept."""
    kept = []
    for line in lines:
        clean = clean_line(line[:LINE_CHARS])
        if clean is not None:
            kept.append(clean)
    return kept


def _clean_chunk(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _STAMP.sub("", text)
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "##[" in text:
        text = _WORKFLOW_CMD.sub("", _ENDGROUP.sub("", text))
    return text


def _read_line(handle: IO[str]) -> tuple[str | None, bool]:
    """One line cut to LINE_CHARS (None at the end), and whether it was cut; the rest is read and dropped."""
    line = handle.readline(CHUNK_CHARS)
    if not line:
        return None, False
    rest = line
    while len(rest) == CHUNK_CHARS and not rest.endswith(("\n", "\r")):
        rest = handle.readline(CHUNK_CHARS)
    return line[:LINE_CHARS], len(line.rstrip("\r\n")) > LINE_CHARS
