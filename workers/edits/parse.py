"""Read every edit in a model's answer, whichever format it was asked for: a real model drifts."""

from __future__ import annotations

from dataclasses import dataclass, field

from workers.edits.parse_blocks import parse_search_replace
from workers.edits.parse_diff import parse_unified_diff
from workers.edits.parse_whole import parse_whole_files
from workers.edits.records import Edit
from workers.edits.textfile import split_answer_lines


@dataclass
class ParsedAnswer:
    """Edits in the order they appear, and what could not be read (for the model's next round)."""

    edits: list[Edit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unnamed_fences: int = 0


def parse_answer(answer: str) -> ParsedAnswer:
    lines = split_answer_lines(answer)
    blocks, block_spans, block_problems = parse_search_replace(lines)
    # A diff inside a SEARCH/REPLACE block is file content, not an edit of its own.
    outside = [line if not any(s <= i < e for s, e in block_spans) else "" for i, line in enumerate(lines)]
    hunks, hunk_spans, hunk_problems = parse_unified_diff(outside)
    wholes, unnamed = parse_whole_files(lines, block_spans + hunk_spans)
    edits = sorted(blocks + hunks + wholes, key=lambda e: e.answer_line)
    return ParsedAnswer(edits, block_problems + hunk_problems, len(unnamed))
