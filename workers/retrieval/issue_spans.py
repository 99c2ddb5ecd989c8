"""What an issue's text quotes as code: fenced blocks, inline spans, doctest lines, pasted tracebacks.

Pure text work, linear in the text and capped: an issue is written by a stranger, so ten thousand backticks,
fences inside fences or a traceback of a hundred thousand frames must cost no more than reading it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.retrieval.issue_lines import code_lines

# GitHub caps an issue body at 65,536 characters; a local --issue file is capped before it gets here. Past
# this, text is noise (a pasted log) that would only slow the scan.
MAX_TEXT = 200_000
MAX_SPANS = 500
MAX_SPAN_CHARS = 20_000
# A traceback pasted whole can hold a recursion's thousands of frames; the innermost ones say where.
MAX_FRAMES = 40

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_INLINE = re.compile(r"`([^`\n]{1,300})`")
_DOCTEST = re.compile(r"^\s*(?:>>>|\.\.\.|In \[\d+\]:)\s(.{1,500})$", re.M)
_FRAME = re.compile(r'File "([^"\n]{1,500})", line (\d{1,9})(?:, in ([\w<>.]{1,200}))?')
# IPython prints a frame as `~/venv/.../query_utils.py in __and__(self, other)`, then numbered source lines.
# Python 2's IPython names the compiled file (art3d.pyc); the source beside it is the .py.
_IPYTHON_FRAME = re.compile(r"^[ \t]*([^\s\"'<>]{1,500}\.py)c? in ([\w.]{1,200})\(", re.M)
_IPYTHON_ARROW = re.compile(r"^[ \t]*-*> ?(\d{1,9})\b", re.M)
IPYTHON_ARROW_REACH = 2_000
# The last line of a traceback, or an exception named in prose: `django.core.exceptions.FieldError: ...`.
_RAISED = re.compile(
    r"^\s*(?:E\s+)?((?:[A-Za-z_]\w{0,100}\.){0,10}[A-Z]\w{0,100}(?:Error|Exception|Warning))\b:", re.M
)
_NAMED_EXCEPTION = re.compile(r"\b([A-Z]\w{0,100}(?:Error|Exception|Warning))\b")


@dataclass(frozen=True)
class IssueFrame:
    """One frame of a traceback pasted into an issue, as the reporter's machine printed it."""

    path: str
    line: int
    function: str | None


def bounded(text: str, *, tail: bool = False) -> str:
    """The part of the text worth reading, with NUL and other control bytes (binary paste) made spaces.
    With `tail`, a long text keeps its end as well as its start: a traceback's innermost frames are last."""
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT // 2] + "\n" + text[-MAX_TEXT // 2 :] if tail else text[:MAX_TEXT]
    return text.translate(_CONTROL) if _HAS_CONTROL.search(text) else text


_CONTROL = {c: " " for c in range(32) if chr(c) not in "\n\t"}
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def code_spans(text: str) -> list[str]:
    """Code the issue quotes: fenced blocks (``` or ~~~, unclosed running to the end), `inline` spans outside
    fences, doctest or IPython input lines, and prose lines shaped like code (issue_lines.py). Fences do not
    nest in Markdown: an inner fence of a shorter or other marker is text of the block, which a line scan gets
    right without recursion."""
    text = bounded(text)
    spans: list[str] = []
    prose: list[str] = []
    block: list[str] = []
    fence = ""
    for line in text.split("\n"):
        opener = _FENCE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                spans.append("\n".join(block)[:MAX_SPAN_CHARS])
                block, fence = [], ""
            else:
                block.append(line)
        elif opener:
            fence = opener.group(1)
        else:
            prose.append(line)
    if block:
        spans.append("\n".join(block)[:MAX_SPAN_CHARS])
    outside = "\n".join(prose)
    spans.extend(m.group(1) for m in _INLINE.finditer(outside))
    spans.extend(m.group(1) for m in _DOCTEST.finditer(outside))
    # Code quoted as plain lines (Django's tracker has no Markdown): judged line by line by its shape; a line
    # holding `inline` code or a doctest prompt has already given its code above.
    spans.extend(line for line in code_lines(outside) if "`" not in line and not _DOCTEST.match(line))
    return spans[:MAX_SPANS]


def traceback_frames(text: str) -> list[list[IssueFrame]]:
    """Each traceback's frames, outermost first (Python's order), keeping only the innermost MAX_FRAMES.

    A new traceback starts at each `Traceback (most recent call last)` line, so two pasted tracebacks (the
    "During handling of the above exception" chain) each keep their own innermost frame.
    """
    text = bounded(text, tail=True)
    tracebacks: list[list[IssueFrame]] = []
    current: list[IssueFrame] = []
    starts = sorted(m.start() for m in re.finditer(r"Traceback \(most recent call last\)", text))
    boundary = iter([*starts, len(text) + 1])
    next_start = next(boundary)
    for start, frame in _frames_in_order(text):
        while start > next_start:
            if current:
                tracebacks.append(current)
            current = []
            next_start = next(boundary)
        current.append(frame)
        if len(current) > 2 * MAX_FRAMES:
            current = current[-MAX_FRAMES:]
    if current:
        tracebacks.append(current)
    return [frames[-MAX_FRAMES:] for frames in tracebacks]


def _frames_in_order(text: str) -> list[tuple[int, IssueFrame]]:
    """Python's `File "x.py", line 3, in f` frames and IPython's `x.py in f(args)` ones, by position. IPython
    marks the frame's line with an arrow (`---> 92`) on a line after the header; absent, the line is 0 and
    the frame is placed by its function's name."""
    found = [(m.start(), IssueFrame(m.group(1), int(m.group(2)), m.group(3))) for m in _FRAME.finditer(text)]
    for match in _IPYTHON_FRAME.finditer(text):
        arrow = _IPYTHON_ARROW.search(text, match.end(), match.end() + IPYTHON_ARROW_REACH)
        found.append(
            (match.start(), IssueFrame(match.group(1), int(arrow.group(1)) if arrow else 0, match.group(2)))
        )
    return sorted(found, key=lambda item: item[0])


def raised_exceptions(text: str) -> list[str]:
    """Exception class names the issue shows raised (a traceback's last line) or names in code, last part
    only (`FieldError` for `django.core.exceptions.FieldError`), most specific first, without duplicates."""
    text = bounded(text, tail=True)
    found: dict[str, None] = {}
    for match in _RAISED.finditer(text):
        found.setdefault(match.group(1).rsplit(".", 1)[-1])
    for span in code_spans(text):
        for name in _NAMED_EXCEPTION.findall(span):
            found.setdefault(name)
    return list(found)[:20]
