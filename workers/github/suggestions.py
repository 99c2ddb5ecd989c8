"""A fix as GitHub review suggestions: one per changed hunk, anchored on lines of the pull request's head.
Pure logic.

GitHub applies a suggestion by replacing lines `start_line`..`line` of the head's file with the lines of the
suggestion block (none: the lines go). So a hunk that only inserts takes its neighbour along: the line
before it (or, at the top of the file, the line after), which the suggestion repeats.

Lines are compared without their endings. A suggestion cannot say "\\r\\n" or "no newline at end of file";
GitHub keeps the file's own, so a fix whose only change is a line ending has nothing to suggest.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from workers.github.changed_lines import anchor_lines

_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


@dataclass(frozen=True)
class Suggestion:
    path: str
    start_line: int  # first line of the head's file it replaces, from 1
    line: int  # last line it replaces; == start_line for one line
    body: str  # the lines that replace them, joined by "\n"; "" deletes them

    def markdown(self) -> str:
        """The comment's text: a `suggestion` block, fenced longer than any backtick run inside it."""
        runs = [len(run) for run in re.findall(r"`+", self.body)]
        fence = "`" * max(3, max(runs, default=0) + 1)
        inside = f"{self.body}\n" if self.body else ""
        return f"{fence}suggestion\n{inside}{fence}"

    def review_comment(self) -> dict[str, Any]:
        """As `POST /pulls/{n}/reviews` takes it in `comments`: lines of the head (side RIGHT)."""
        comment: dict[str, Any] = {
            "path": self.path,
            "body": self.markdown(),
            "line": self.line,
            "side": "RIGHT",
        }
        if self.start_line != self.line:
            comment.update(start_line=self.start_line, start_side="RIGHT")
        return comment


def content_lines(text: str) -> list[str]:
    """A file's lines as GitHub numbers them (split on "\\n"), without their endings."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # what follows the last newline is not a line
    return [line.removesuffix("\r") for line in lines]


def suggestions_for(path: str, head: str, fixed: str) -> list[Suggestion] | None:
    """The suggestions that turn `head` into `fixed`, top to bottom; None when a change has no line of the
    head to stand on (the head's file is empty)."""
    old, new = content_lines(head), content_lines(fixed)
    spans: list[list[int]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if not old:
            return None  # nothing to anchor an insertion on
        anchor = anchor_lines(i1, i2)
        # A pure insertion takes an unchanged neighbour along, which the suggestion then repeats.
        j1, j2 = j1 - (i1 - anchor.start), j2 + (anchor.stop - i2)
        i1, i2 = anchor.start, anchor.stop
        if spans and i1 < spans[-1][1]:
            # Two hunks took the same one-line neighbour: one suggestion, or GitHub would apply one of them.
            spans[-1][1], spans[-1][3] = max(spans[-1][1], i2), max(spans[-1][3], j2)
        else:
            spans.append([i1, i2, j1, j2])
    return [Suggestion(path, i1 + 1, i2, "\n".join(new[j1:j2])) for i1, i2, j1, j2 in spans]


def commentable(patch: str) -> list[range]:
    """The head-side lines of each hunk of GitHub's `patch` for a file: review comments can go only there,
    and a multi-line one only within one hunk."""
    # "+12" without a count is one line; "+12,0" is none (the hunk only deletes).
    return [range(int(start), int(start) + int(count or 1)) for start, count in _HUNK_HEADER.findall(patch)]


def fits(suggestion: Suggestion, hunks: list[range]) -> bool:
    return any(suggestion.start_line in hunk and suggestion.line in hunk for hunk in hunks)


def unified_diff(path: str, head: str, fixed: str) -> str:
    """The change as `git apply` takes it, for what cannot be a suggestion."""
    before = head.splitlines(keepends=True)
    after = fixed.splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}")
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )
