"""The functions a gold patch changes: the innermost def enclosing each changed line of each hunk.

The bench's sources are a release, not the task's base commit, so a hunk's stated line numbers can be off, and
the release often already holds the fix: each hunk is looked up by its old-side text (context and removed
lines) and by its new-side text (context and added lines) in the release's file; each side lines up by
the lines it shares with the file (code changed a little since still lines up by the rest); a hunk that lines
up by neither is counted apart, not guessed at.
"""

from __future__ import annotations

import re

from workers.retrieval.chunks import Chunk, chunk_file

_FILE = re.compile(r"^diff --git a/(\S+) b/\S+$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


Side = tuple[list[str], list[int]]  # a hunk's lines on one side, and the offsets of those it changes


def changed_lines(patch: str) -> dict[str, list[tuple[Side, Side]]]:
    """Per file: each hunk's old side and new side.

    A pure insertion changes, on the old side, the old line it follows (or the first, at the top of a hunk);
    a pure removal likewise on the new side.
    """
    result: dict[str, list[tuple[Side, Side]]] = {}
    path = ""
    sides: tuple[list[str], list[int], list[str], list[int]] = ([], [], [], [])
    in_hunk = False

    def close() -> None:
        old, old_changed, new, new_changed = sides
        if path and in_hunk and (old or new):
            result.setdefault(path, []).append(
                ((old, sorted(set(old_changed))), (new, sorted(set(new_changed))))
            )

    for line in patch.splitlines():
        if match := _FILE.match(line):
            close()
            path, sides, in_hunk = match.group(1), ([], [], [], []), False
        elif _HUNK.match(line):
            close()
            sides, in_hunk = ([], [], [], []), True
        elif not in_hunk:
            continue
        elif line.startswith("-"):
            old, old_changed, new, new_changed = sides
            old_changed.append(len(old))
            old.append(line[1:])
            new_changed.append(max(len(new) - 1, 0))
        elif line.startswith("+"):
            old, old_changed, new, new_changed = sides
            new_changed.append(len(new))
            new.append(line[1:])
            old_changed.append(max(len(old) - 1, 0))
        elif line.startswith(" ") or line == "":
            sides[0].append(line[1:])
            sides[2].append(line[1:])
    close()
    return result


def gold_functions(patch: str, source_of: dict[str, str]) -> tuple[set[str], int]:
    """("path::Symbol" for every function a hunk of `patch` changes, hunks not found), in `source_of`
    (gold path -> the release's text of it); a changed line outside any function names none."""
    found: set[str] = set()
    missing = 0
    for path, hunks in changed_lines(patch).items():
        text = source_of.get(path)
        if text is None:
            missing += len(hunks)
            continue
        lines = text.splitlines()
        functions = [c for c in chunk_file(path, text)[1:] if c.kind == "function"]
        for old, new in hunks:
            located = [
                (found_at[1], found_at[0], offsets)
                for block, offsets in (old, new)
                if (found_at := _find(lines, block)) is not None
            ]
            if not located:
                missing += 1
                continue
            # The side more of whose lines agree with the release (the fix may already be in it).
            _, start, offsets = max(located, key=lambda side: side[0])
            for offset in offsets:
                chunk = _innermost(functions, start + offset + 1)
                if chunk is not None:
                    found.add(f"{path}::{chunk.symbol}")
    return found, missing


def _find(lines: list[str], block: list[str]) -> tuple[int, int] | None:
    """(0-based index where `block` best lines up with `lines`, how many of its lines agree there), or None.

    Each non-blank line of the block found in the file votes for the block starting where it would have to;
    a block whose code changed a little since (a later release) still lines up by the lines it kept.
    """
    where: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if line.strip():
            where.setdefault(line.rstrip(), []).append(i)
    votes: dict[int, int] = {}
    for offset, line in enumerate(block):
        if not line.strip():
            continue
        for i in where.get(line.rstrip(), [])[:50]:  # a line found everywhere (`return x`) says little
            votes[i - offset] = votes.get(i - offset, 0) + 1
    if not votes:
        return None
    start = max(votes, key=lambda k: (votes[k], -k))
    needed = min(3, max(1, sum(1 for line in block if line.strip()) // 2))
    return (start, votes[start]) if votes[start] >= needed else None


def _innermost(functions: list[Chunk], line: int) -> Chunk | None:
    best: Chunk | None = None
    for chunk in functions:
        if chunk.start_line <= line <= chunk.end_line and (best is None or chunk.depth >= best.depth):
            best = chunk
    return best
