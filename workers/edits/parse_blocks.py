"""SEARCH/REPLACE blocks (Aider's edit-block shape), fenced or not, several per answer."""

from __future__ import annotations

import re

from workers.edits.answer_text import path_before
from workers.edits.records import Edit

# Models miscount the conflict markers; five to nine of them are read as the marker.
HEAD = re.compile(r"^\s*<{5,9}\s*(?:SEARCH|ORIGINAL|HEAD)?\s*$", re.IGNORECASE)
DIVIDER = re.compile(r"^\s*={5,9}\s*$")
TAIL = re.compile(r"^\s*>{5,9}\s*(?:REPLACE|UPDATED)?\s*$", re.IGNORECASE)


def parse_search_replace(lines: list[str]) -> tuple[list[Edit], list[tuple[int, int]], list[str]]:
    """Edits, the answer line spans they came from, and problems with blocks that are not well formed."""
    edits: list[Edit] = []
    spans: list[tuple[int, int]] = []
    problems: list[str] = []
    last_path: str | None = None
    i = 0
    while i < len(lines):
        if not HEAD.match(lines[i]):
            i += 1
            continue
        start = i
        path = path_before(lines, i) or last_path
        j = i + 1
        while j < len(lines) and not DIVIDER.match(lines[j]):
            j += 1
        k = j + 1
        while k < len(lines) and not TAIL.match(lines[k]):
            k += 1
        if j >= len(lines) or k >= len(lines):
            problems.append(
                f"the SEARCH/REPLACE block starting on answer line {start + 1} is not closed: it needs a "
                "======= line and a >>>>>>> REPLACE line"
            )
            spans.append((start, len(lines)))
            break
        edits.append(
            Edit(
                "replace", path, tuple(lines[i + 1 : j]), tuple(lines[j + 1 : k]), "search_replace", start + 1
            )
        )
        spans.append((start, k + 1))
        last_path = path
        i = k + 1
    return edits, spans, problems
