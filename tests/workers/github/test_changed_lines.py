"""The one rule for which old lines a change points at, and the two GitHub outputs that follow it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workers.github.test_fix_annotations import BEFORE, URL, git_diff
from workers.github.changed_lines import anchor_lines
from workers.github.fix_annotations import fix_annotations
from workers.github.suggestions import suggestions_for


@pytest.mark.parametrize(
    ("start", "end", "anchor"),
    [
        (4, 5, range(4, 5)),  # replaced or removed lines are their own anchor
        (4, 7, range(4, 7)),
        (4, 4, range(3, 4)),  # an insertion before line index 4 points at the line before it
        (20, 20, range(19, 20)),  # at the end too
        (0, 0, range(0, 1)),  # at the top, at the line after it
    ],
)
def test_the_lines_a_run_points_at(start: int, end: int, anchor: range) -> None:
    assert anchor_lines(start, end) == anchor


def _after(edit: str) -> str:
    lines = BEFORE.splitlines(keepends=True)
    if edit == "change":
        lines[4] = "LINE FIVE\n"
    elif edit == "two into one":
        lines[9:11] = ["ten and eleven\n"]
    elif edit == "remove":
        del lines[15]
    elif edit == "insert":
        lines.insert(7, "inserted\n")
    elif edit == "append":
        lines.append("appended\n")
    elif edit == "prepend":
        lines.insert(0, "top\n")
    return "".join(lines)


@pytest.mark.parametrize("edit", ["change", "two into one", "remove", "insert", "append", "prepend"])
def test_a_fixs_suggestion_and_its_annotation_name_the_same_lines(tmp_path: Path, edit: str) -> None:
    after = _after(edit)
    [suggestion] = suggestions_for("f.py", BEFORE, after) or []
    [annotation] = fix_annotations(git_diff(tmp_path, {"f.py": BEFORE}, {"f.py": after}, "-U0"), URL)
    assert (annotation["start_line"], annotation["end_line"]) == (suggestion.start_line, suggestion.line)
