"""Unified diffs, as models write them: hunk line numbers are ignored (they are often stale), blank context
lines may have lost their leading space, the @@ line may be missing, and `...` may stand for context."""

from __future__ import annotations

import re

from workers.edits.answer_text import is_fence_line, path_before
from workers.edits.records import Edit
from workers.edits.replace import is_elision

DEV_NULL = "/dev/null"


def _header_path(line: str) -> str:
    # "--- a/x.py\t2024-01-01 10:00" -> "a/x.py"; the path resolver strips the a/ later.
    text = line[4:].split("\t")[0].strip()
    return re.sub(r"\s+\d{4}-\d\d-\d\d .*$", "", text)


def _is_header(lines: list[str], i: int) -> bool:
    return lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")


def _hunk_line(line: str) -> bool:
    return line == "" or line[0] in " +-\\" or is_elision(line)


def _read_hunk(lines: list[str], i: int) -> tuple[list[str], int]:
    """Hunk body lines from i until something that cannot be part of the hunk."""
    body: list[str] = []
    while i < len(lines):
        line = lines[i]
        if line.startswith("@@") or line.startswith("diff ") or _is_header(lines, i) or is_fence_line(line):
            break
        if not _hunk_line(line):
            break
        body.append(line)
        i += 1
    while body and body[-1] == "":
        body.pop()
    return body, i


def _split_body(body: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    old: list[str] = []
    new: list[str] = []
    for line in body:
        if line.startswith("\\"):
            continue  # "\ No newline at end of file"
        if line == "" or (is_elision(line) and line[:1] not in "+-"):
            text = line.strip()
            old.append(text)
            new.append(text)
        elif line[0] == " ":
            old.append(line[1:])
            new.append(line[1:])
        elif line[0] == "-":
            old.append(line[1:])
        else:
            new.append(line[1:])
    return tuple(old), tuple(new)


def parse_unified_diff(lines: list[str]) -> tuple[list[Edit], list[tuple[int, int]], list[str]]:
    """Edits (one per hunk; a whole new or deleted file as one), their answer spans, and problems."""
    edits: list[Edit] = []
    spans: list[tuple[int, int]] = []
    problems: list[str] = []
    old_path: str | None = None
    new_path: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_header(lines, i):
            old_path, new_path = _header_path(line), _header_path(lines[i + 1])
            start = i
            i += 2
            if new_path == DEV_NULL:
                edits.append(Edit("delete", old_path, source="unified_diff", answer_line=start + 1))
                body, i = _read_hunks(lines, i)
                spans.append((start, i))
                continue
            if old_path == DEV_NULL:
                body, i = _read_hunks(lines, i)
                added = tuple(b[1:] for b in body if b.startswith("+"))
                edits.append(Edit("create", new_path, (), added, "unified_diff", start + 1))
                spans.append((start, i))
                continue
            # Some models leave out the @@ line and go straight to the hunk body.
            if i < len(lines) and not lines[i].startswith("@@") and lines[i][:1] in (" ", "-", "+"):
                i = _add_hunk(lines, i, i, new_path, edits, spans)
            continue
        if line.startswith("@@"):
            path = new_path or path_before(lines, i)
            if path is None:
                problems.append(
                    f"the diff hunk on answer line {i + 1} has no ---/+++ file header naming the file"
                )
            i = _add_hunk(lines, i, i + 1, path, edits, spans)
            continue
        i += 1
    return edits, spans, problems


def _read_hunks(lines: list[str], i: int) -> tuple[list[str], int]:
    body: list[str] = []
    while i < len(lines) and lines[i].startswith("@@"):
        part, i = _read_hunk(lines, i + 1)
        body.extend(part)
    return body, i


def _add_hunk(
    lines: list[str],
    start: int,
    body_start: int,
    path: str | None,
    edits: list[Edit],
    spans: list[tuple[int, int]],
) -> int:
    body, end = _read_hunk(lines, body_start)
    old, new = _split_body(body)
    if old != new and path is not None:
        edits.append(Edit("replace", path, old, new, "unified_diff", start + 1))
    spans.append((start, end))
    return end
