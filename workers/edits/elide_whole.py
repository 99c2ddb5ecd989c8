"""Fill the "... existing code unchanged ..." lines of a whole-file answer with the real lines they skip.

Each elision is anchored by the nearest quoted lines on both sides, which must sit in the file exactly once
(after the previous elision); the elided stretch is everything between them. An anchor that cannot be found
once is refused: guessing which lines were skipped is how code silently disappears.
"""

from __future__ import annotations

from workers.edits.fuzzy import CHANGED_LINE_SIMILARITY, similarity
from workers.edits.records import Refused
from workers.edits.replace import is_elision

ANCHOR_LINES = 3
MAX_CHANGED = 1
# Longer edge pieces are not checked for the insertion/deletion reading (it costs n^2): not guessed.
MAX_EDGE_LINES = 400


def _occurrences(keys: list[str], quote: list[str], start: int) -> list[int]:
    n = len(quote)
    return [i for i in range(start, len(keys) - n + 1) if keys[i : i + n] == quote]


def _anchor(keys: list[str], lines: list[str], start: int, at_end: bool) -> tuple[int, int] | None:
    """(position, length) of the longest run of `lines` nearest the elision found exactly once; a line
    the answer changed cannot anchor, so shorter runs are tried before giving up."""
    for k in range(min(ANCHOR_LINES, len(lines)), 0, -1):
        quote = lines[-k:] if at_end else lines[:k]
        found = _occurrences(keys, quote, start)
        if len(found) == 1:
            return found[0], k
        if len(found) > 1:
            return None
    return None


def _edge(keys: list[str], piece: list[str], start: int, at_end: bool) -> int | None:
    """Where the elided stretch begins (at_end: just after `piece`) or ends (just before `piece`), as an
    index into `keys`. A line next to the elision that the answer changed cannot anchor it; up to
    MAX_CHANGED such lines are skipped if each still resembles the real line it replaces one for one."""
    for skip in range(0, min(MAX_CHANGED, len(piece) - 1) + 1):
        rest = piece[: len(piece) - skip] if at_end else piece[skip:]
        placed = _anchor(keys, rest, start, at_end)
        # Past a changed line only a full-length anchor is evidence enough.
        if placed is None or (skip and placed[1] < ANCHOR_LINES):
            continue
        changed = piece[len(piece) - skip :] if at_end else piece[:skip]
        edge = placed[0] + placed[1] + skip if at_end else placed[0] - skip
        real = keys[edge - skip : edge] if at_end else keys[edge : edge + skip]
        if edge < start or edge > len(keys) or len(real) != skip:
            continue
        if all(similarity(a, b) >= CHANGED_LINE_SIMILARITY for a, b in zip(changed, real, strict=True)):
            return edge
    return None


def _one_block_apart(longer: list[str], shorter: list[str]) -> bool:
    """True when removing one contiguous block of lines from `longer` leaves `shorter`."""
    if len(longer) <= len(shorter):
        return False
    cut = len(longer) - len(shorter)
    return any(longer[:a] + longer[a + cut :] == shorter for a in range(len(shorter) + 1))


def _file_edge(keys: list[str], piece: list[str], start: int, at_end: bool) -> int | None:
    """For a piece that begins the file (at_end) or ends it: where its lines sit if they are the file's
    first or last lines one for one, with at most MAX_CHANGED of them changed (and still resembling the
    real line). If the piece could as well be those lines with a block inserted or removed, the reading
    is ambiguous and nothing is guessed."""
    n = len(piece)
    edge = n if at_end else len(keys) - n
    if edge < start or edge > len(keys) or n == 0 or n > MAX_EDGE_LINES:
        return None
    real = keys[:n] if at_end else keys[edge:]
    changed = [(a, b) for a, b in zip(piece, real, strict=True) if a != b]
    if len(changed) > MAX_CHANGED or len(changed) == n:
        return None
    if not all(similarity(a, b) >= CHANGED_LINE_SIMILARITY for a, b in changed):
        return None
    # A reading that keeps a single file line (a lone "}") is no rival: it would mean new code wedged
    # before the file's last line while the changed line's old version stays, which no fix looks like.
    for other in range(1, n - 1):
        if at_end:
            shorter, longer = keys[: n - other], keys[: n + other]
        else:
            shorter, longer = keys[len(keys) - (n - other) :], keys[max(start, len(keys) - n - other) :]
        if _one_block_apart(piece, shorter) or (len(longer) == n + other and _one_block_apart(longer, piece)):
            return None
    return edge


def expand_elisions(original: tuple[str, ...], new: tuple[str, ...], path: str) -> tuple[str, ...]:
    """`new` with every elision line replaced by the original lines it stands for."""
    present = set(original)
    markers = [k for k, line in enumerate(new) if is_elision(line) and line not in present]
    if not markers:
        return new
    # Anchors are compared on non-blank lines without indentation, so layout noise does not hide them.
    nonblank = [i for i, line in enumerate(original) if line.strip()]
    keys = [original[i].strip() for i in nonblank]
    out: list[str] = []
    pos = 0  # index into `nonblank`: anchors are searched after what earlier elisions consumed
    piece_start = 0
    for n, m in enumerate(markers):
        piece_end = markers[n + 1] if n + 1 < len(markers) else len(new)
        before = [new[k].strip() for k in range(piece_start, m) if new[k].strip()]
        after = [new[k].strip() for k in range(m + 1, piece_end) if new[k].strip()]
        start = pos
        if before:
            edge = _edge(keys, before, pos, at_end=True)
            if edge is None and n == 0 and piece_start == 0:
                edge = _file_edge(keys, before, pos, at_end=True)
            if edge is None:
                raise _unanchored(path, m, "before")
            start = edge
        end = len(keys)
        if after:
            edge = _edge(keys, after, start, at_end=False)
            if edge is None and piece_end == len(new):
                edge = _file_edge(keys, after, start, at_end=False)
            if edge is None:
                raise _unanchored(path, m, "after")
            end = edge
        lo = nonblank[start - 1] + 1 if start > 0 else 0
        hi = nonblank[end] if end < len(nonblank) else len(original)
        region = list(original[lo:hi])
        # Blank lines the answer wrote right beside the elision are already in `out`/the next piece.
        for k in range(m - 1, piece_start - 1, -1):
            if new[k].strip() or not region or region[0].strip():
                break
            region.pop(0)
        for k in range(m + 1, piece_end):
            if new[k].strip() or not region or region[-1].strip():
                break
            region.pop()
        out.extend(new[piece_start:m])
        out.extend(region)
        pos, piece_start = end, m + 1
    out.extend(new[piece_start:])
    return tuple(out)


def _unanchored(path: str, marker: int, side: str) -> Refused:
    return Refused(
        f'the "..." line {marker + 1} of the code block for {path} cannot be placed: the lines just {side} '
        "it do not occur exactly once in the file. Write the file out in full, or use a SEARCH/REPLACE block"
    )
