"""Whole files in fences, with the path on the line before the fence or in its info string."""

from __future__ import annotations

from workers.edits.answer_text import Fence, find_fences, path_before, path_from_comment, path_from_info
from workers.edits.records import Edit


def parse_whole_files(lines: list[str], claimed: list[tuple[int, int]]) -> tuple[list[Edit], list[Fence]]:
    """Edits for fences that hold no SEARCH/REPLACE block or diff, and the fences that named no file."""
    edits: list[Edit] = []
    unnamed: list[Fence] = []
    for fence in find_fences(lines):
        if any(start < fence.close and end > fence.open for start, end in claimed):
            continue
        if fence.info.lower() in ("diff", "patch", "udiff"):
            continue
        path = path_from_info(fence.info) or path_before(lines, fence.open)
        body = tuple(lines[fence.open + 1 : fence.close])
        path_line = None
        if path is None and body:
            path = path_from_comment(body[0])
            path_line = body[0] if path else None
        if path is None:
            unnamed.append(fence)
            continue
        edits.append(Edit("whole", path, (), body, "whole_file", fence.open + 1, path_line))
    return edits, unnamed
