"""Check Run annotations on the lines a fix changes: one per hunk, on the commit the check is on (the fix's
base), so a reviewer sees in the commit's diff view where the pull request will change the code. Pure logic.
"""

from __future__ import annotations

import re
from typing import Any

from workers.github.changed_lines import anchor_lines

# GitHub takes at most 50 annotations per Check Run request; a fix with more hunks is not a small fix anyway.
MAX_ANNOTATIONS = 50
_DETAILS_CHARS = 4_000  # of the replacement shown in an annotation's raw details (GitHub allows 64 KB)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def fix_annotations(diff: str, pull_url: str) -> list[dict[str, Any]]:
    """The annotations for a unified diff (`git diff` output): the lines each hunk replaces, or for a pure
    insertion the line it follows (the first line when it goes at the top)."""
    found: list[dict[str, Any]] = []
    path: str | None = None
    new_file = False
    lines = diff.splitlines()
    i = 0
    while i < len(lines) and len(found) < MAX_ANNOTATIONS:
        line = lines[i]
        if line.startswith("--- "):
            new_file = line[4:].split("\t", 1)[0] == "/dev/null"
        if line.startswith("+++ "):
            target = line[4:].split("\t", 1)[0]
            # A deleted file (/dev/null) has no lines left to point at; a new one has none on the commit yet.
            path = target[2:] if target.startswith("b/") and not new_file else None
            i += 1
            continue
        match = _HUNK.match(line)
        if match is None or path is None:
            i += 1
            continue
        old_start, old_count = int(match.group(1)), int(match.group(2) or "1")
        body, i = _hunk_body(lines, i + 1)
        # With no old lines (`-U0` insertion) git names the line the insertion follows, 0 at the top.
        first = old_start + 1 if old_count == 0 else old_start
        found.extend(_block_annotation(path, block, pull_url) for block in _blocks(body, first))
    return found


def _hunk_body(lines: list[str], i: int) -> tuple[list[str], int]:
    body = []
    while i < len(lines) and lines[i][:1] in (" ", "+", "-", "\\"):
        body.append(lines[i])
        i += 1
    return body, i


def _blocks(body: list[str], first: int) -> list[tuple[int, list[int], list[str]]]:
    """Each run of removed and added lines in a hunk: (the old line it starts at, the old lines it removes,
    the lines it adds). Per run, not per hunk, so the result does not depend on how much context git gave."""
    blocks: list[tuple[int, list[int], list[str]]] = []
    number = first  # the old line the next context or removed line is
    current: tuple[int, list[int], list[str]] | None = None
    for text in body:
        kind = text[:1]
        if kind in ("-", "+"):
            if current is None:
                current = (number, [], [])
                blocks.append(current)
            if kind == "-":
                current[1].append(number)
                number += 1
            else:
                current[2].append(text[1:])
        elif kind == " ":
            current = None
            number += 1
    return blocks


def _block_annotation(path: str, block: tuple[int, list[int], list[str]], pull_url: str) -> dict[str, Any]:
    at, removed, added = block
    anchor = anchor_lines(at - 1, at - 1 + len(removed))
    start, end = anchor.start + 1, anchor.stop
    if removed:
        what = "changes" if added else "removes"
    else:
        what = "adds code after" if start < at else "adds code before"
    lines_named = f"line {start}" if start == end else f"lines {start}-{end}"
    annotation: dict[str, Any] = {
        "path": path,
        "start_line": start,
        "end_line": end,
        "annotation_level": "notice",
        "title": "Changed by the fix",
        "message": f"The fix in {pull_url} {what} {lines_named}.",
    }
    if added:
        annotation["raw_details"] = "\n".join(added)[:_DETAILS_CHARS]
    return annotation
