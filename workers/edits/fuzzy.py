"""Similarity of a quoted block to places in a file: the fuzzy rung's scorer and the "closest lines" shown
to the model when an edit is refused."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

# A fuzzy match must be at least this similar to the quoted text ...
FUZZY_THRESHOLD = 0.85
# ... and at least this much better than the best place that does not overlap it; otherwise two places
# are about equally likely and guessing between them is how wrong pull requests happen.
FUZZY_MARGIN = 0.08
# Fewer quoted lines than this carry too little evidence to place an edit by similarity.
FUZZY_MIN_LINES = 3
# A line an edit changes may be mistyped where it is quoted, but not beyond recognition: otherwise the edit
# would replace a line the model never saw. Used by the fuzzy rung and by whole-file answers with elisions.
CHANGED_LINE_SIMILARITY = 0.6


@dataclass(frozen=True)
class Scored:
    start: int
    end: int
    score: float


def _key(lines: tuple[str, ...] | list[str]) -> str:
    # Compare content, not layout: indentation, trailing spaces and blank lines are other rungs' business.
    return "\n".join(line.strip() for line in lines if line.strip())


def score_windows(file_lines: tuple[str, ...], search: tuple[str, ...]) -> list[Scored]:
    """Every window of about the quoted length that shares at least half the quoted lines, scored by
    similarity, best first."""
    target = _key(search)
    if not target:
        return []
    wanted = {line.strip() for line in search if line.strip()}
    needed = (sum(1 for line in search if line.strip()) + 1) // 2
    n = len(search)
    # hits[i] = how many of the first i file lines also appear in the quote: window counts in O(1).
    hits = [0]
    for line in file_lines:
        hits.append(hits[-1] + (1 if line.strip() and line.strip() in wanted else 0))
    scored: list[Scored] = []
    for size in sorted({max(1, n + d) for d in (-2, -1, 0, 1, 2)}):
        for start in range(0, max(1, len(file_lines) - size + 1)):
            end = min(len(file_lines), start + size)
            # A window sharing fewer than half the quoted lines cannot reach the threshold in practice,
            # and skipping it keeps this rung fast on files of thousands of lines.
            if hits[end] - hits[start] < needed:
                continue
            matcher = SequenceMatcher(None, target, _key(file_lines[start:end]), autojunk=False)
            if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
                continue
            scored.append(Scored(start, end, matcher.ratio()))
    scored.sort(key=lambda s: (-s.score, s.start, s.end))
    return scored


def best_and_runner_up(scored: list[Scored]) -> tuple[Scored | None, Scored | None]:
    """The best window and the best one that does not overlap it."""
    if not scored:
        return None, None
    best = scored[0]
    for other in scored[1:]:
        if other.end <= best.start or other.start >= best.end:
            return best, other
    return best, None


def closest_block(file_lines: tuple[str, ...], search: tuple[str, ...]) -> tuple[int, int] | None:
    """Where the quoted text most resembles the file, for feedback; None when nothing resembles it."""
    best, _ = best_and_runner_up(score_windows(file_lines, search))
    if best is not None:
        return best.start, best.end
    # Nothing passed the pre-filter: fall back to the lines sharing the most words with the quote.
    words = {w for line in search for w in line.split()}
    if not words or not file_lines:
        return None
    hits = [len(words & set(line.split())) for line in file_lines]
    top = max(range(len(hits)), key=lambda i: hits[i])
    if hits[top] == 0:
        return 0, min(len(file_lines), max(1, len(search)))
    return top, min(len(file_lines), top + max(1, len(search)))


def numbered(file_lines: tuple[str, ...], start: int, end: int, context: int = 2) -> str:
    """Lines start..end (0-based, end exclusive) with 1-based numbers and a little context either side."""
    lo, hi = max(0, start - context), min(len(file_lines), end + context)
    width = len(str(hi))
    return "\n".join(f"{i + 1:>{width}} | {file_lines[i]}" for i in range(lo, hi))


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.strip(), b.strip(), autojunk=False).ratio()
