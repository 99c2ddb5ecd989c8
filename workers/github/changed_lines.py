"""Which lines of the old file a run of changed lines points at. Pure logic.

A review suggestion replaces lines of the pull request's head (workers/github/suggestions.py) and a Check
Run annotation marks lines of the commit (workers/github/fix_annotations.py); GitHub takes neither
without at least one existing line. Both follow this one rule, so that a fix's suggestions and its
annotations name the same lines.
"""

from __future__ import annotations


def anchor_lines(start: int, end: int) -> range:
    """The old lines (0-based) for a run that replaces old lines [start, end): those lines, or for a pure
    insertion (start == end) the unchanged line before it, at the top of the file the one after. An empty
    old file has no line to point at: the caller must not ask."""
    if start < end:
        return range(start, end)
    if start > 0:
        return range(start - 1, start)
    return range(0, 1)
