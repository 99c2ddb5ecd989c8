"""The functions a gold patch changes: the innermost def enclosing each changed line of each hunk.

The bench's sources are a release, not the task's base commit, so a hunk's stated line numbers can be off:
each hunk is first looked up by its old-side text (context and removed lines) in the release's file, and its
hunk whose text is not found verbatim is counted apart (the release differs there), not guessed at.
"""

from __future__ import annotations

import re

from workers.retrieval.chunks import Chunk, chunk_file

_FILE = re.compile(r"^diff --git a/(\S+) b/\S+$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def changed_old_lines(patch: str) -> dict[str, list[tuple[list[str], list[int]]]]:
    """Per file: each hunk's old-side lines and the 0-based offsets (into them) of the lines it changes.

    A pure insertion changes the old line it follows (or the first one, at the top of a hunk).
    """
    result: dict[str, list[tuple[list[str], list[int]]]] = {}
    path = ""
    old: list[str] = []
    changed: list[int] = []
    in_hunk = False

    def close() -> None:
        if path and in_hunk and old:
            result.setdefault(path, []).append((list(old), sorted(set(changed))))

    for line in patch.splitlines():
        if match := _FILE.match(line):
            close()
            path, old, changed, in_hunk = match.group(1), [], [], False
        elif _HUNK.match(line):
            close()
            old, changed, in_hunk = [], [], True
        elif not in_hunk:
            continue
        elif line.startswith("-"):
            changed.append(len(old))
            old.append(line[1:])
        elif line.startswith("+"):
            changed.append(max(len(old) - 1, 0))
        elif line.startswith(" ") or line == "":
            old.append(line[1:])
    close()
    return result


def gold_functions(patch: str, source_of: dict[str, str]) -> tuple[set[str], int]:
    """("path::Symbol" for every function a hunk of `patch` changes, hunks not found), in `source_of`
    (gold path -> the release's text of it); a changed line outside any function names none."""
    found: set[str] = set()
    missing = 0
    for path, hunks in changed_old_lines(patch).items():
        text = source_of.get(path)
        if text is None:
            missing += len(hunks)
            continue
        lines = text.splitlines()
        functions = [c for c in chunk_file(path, text)[1:] if c.kind == "function"]
        for old, offsets in hunks:
            start = _find(lines, old)
            if start is None:
                missing += 1
                continue
            for offset in offsets:
                chunk = _innermost(functions, start + offset + 1)
                if chunk is not None:
                    found.add(f"{path}::{chunk.symbol}")
    return found, missing


def _find(lines: list[str], block: list[str]) -> int | None:
    """0-based index where `block` occurs in `lines` (trailing whitespace ignored), or None."""
    wanted = [b.rstrip() for b in block]
    stripped = [line.rstrip() for line in lines]
    for i in range(len(stripped) - len(wanted) + 1):
        if stripped[i : i + len(wanted)] == wanted:
            return i
    return None


def _innermost(functions: list[Chunk], line: int) -> Chunk | None:
    best: Chunk | None = None
    for chunk in functions:
        if chunk.start_line <= line <= chunk.end_line and (best is None or chunk.depth >= best.depth):
            best = chunk
    return best
