"""A fix turned into GitHub suggestions: where each is anchored, and that applying them as GitHub does gives
the fixed file back."""

from __future__ import annotations

import pytest

from tests.apply_suggestions import apply_as_github
from workers.github.suggestions import Suggestion, commentable, fits, suggestions_for, unified_diff

# name, head, fixed, expected (start_line, line, body) per suggestion
CASES = [
    ("one line", "a\nb\nc\n", "a\nB\nc\n", [(2, 2, "B")]),
    ("several lines", "a\nb\nc\nd\n", "a\nB\nC\nX\nd\n", [(2, 3, "B\nC\nX")]),
    ("insertion takes the line before", "a\nb\nc\n", "a\nb\nnew\nc\n", [(2, 2, "b\nnew")]),
    ("insertion at the top takes the line after", "a\nb\n", "new\na\nb\n", [(1, 1, "new\na")]),
    ("insertion at the end", "a\nb\n", "a\nb\nnew\n", [(2, 2, "b\nnew")]),
    ("deletion", "a\nb\nc\n", "a\nc\n", [(2, 2, "")]),
    ("first line", "a\nb\nc\n", "A\nb\nc\n", [(1, 1, "A")]),
    ("last line", "a\nb\nc\n", "a\nb\nC\n", [(3, 3, "C")]),
    ("no newline at end", "a\nb", "a\nB", [(2, 2, "B")]),
    ("newline at end only changes nothing", "a\nb", "a\nb\n", []),
    ("several hunks in a file", "a\nb\nc\nd\ne\n", "A\nb\nc\nd\nE\n", [(1, 1, "A"), (5, 5, "E")]),
    ("crlf", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n", [(2, 2, "B")]),
    ("crlf fixed with lf", "a\r\nb\r\nc\r\n", "a\nB\nc\n", [(2, 2, "B")]),
    ("two insertions around one line share it", "a\n", "x\na\ny\n", [(1, 1, "x\na\ny")]),
    ("deletion of the whole file", "a\nb\n", "", [(1, 2, "")]),
]


@pytest.mark.parametrize(("head", "fixed", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_hunk_becomes_one_suggestion_that_github_applies_back_to_the_fix(
    head: str, fixed: str, expected: list[tuple[int, int, str]]
) -> None:
    found = suggestions_for("f.py", head, fixed)
    assert found is not None
    assert [(s.start_line, s.line, s.body) for s in found] == expected
    applied = apply_as_github(head, [s.review_comment() for s in found])
    # GitHub keeps the head's line endings and its (missing) final newline: compare what a suggestion can say.
    assert applied.replace("\r\n", "\n").rstrip("\n") == fixed.replace("\r\n", "\n").rstrip("\n")
    assert "\r" not in "".join(s.body for s in found)


def test_an_empty_file_has_no_line_to_hang_a_suggestion_on() -> None:
    assert suggestions_for("new.py", "", "print(1)\n") is None


def test_the_comment_is_a_suggestion_block_on_the_right_side_and_multi_line_ones_say_where_they_start() -> (
    None
):
    one = Suggestion("f.py", 4, 4, "x = 1")
    assert one.review_comment() == {
        "path": "f.py",
        "body": "```suggestion\nx = 1\n```",
        "line": 4,
        "side": "RIGHT",
    }
    many = Suggestion("f.py", 2, 3, "")
    comment = many.review_comment()
    assert (comment["start_line"], comment["line"], comment["start_side"]) == (2, 3, "RIGHT")
    assert comment["body"] == "```suggestion\n```"  # an empty block: GitHub deletes the lines
    fenced = Suggestion("README.md", 1, 1, "```py\nx\n```").markdown()
    assert fenced.startswith("````suggestion\n") and fenced.endswith("\n````")


def test_only_lines_inside_one_hunk_of_the_pull_requests_diff_can_take_a_suggestion() -> None:
    patch = "@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n@@ -20 +21,2 @@\n-x\n+y\n+z\n@@ -30,2 +32,0 @@\n-p\n-q"
    hunks = commentable(patch)
    assert hunks == [range(1, 5), range(21, 23), range(32, 32)]
    assert fits(Suggestion("f", 2, 4, ""), hunks)
    assert not fits(Suggestion("f", 4, 21, ""), hunks)  # spans two hunks
    assert not fits(Suggestion("f", 10, 10, ""), hunks)  # outside the diff
    assert commentable("") == []  # a binary file, or one too large for GitHub to show


def test_what_cannot_be_suggested_is_shown_as_a_diff_git_applies() -> None:
    diff = unified_diff("f.py", "a\nb", "a\nc")
    assert diff.startswith("--- a/f.py\n+++ b/f.py\n@@ -1,2 +1,2 @@\n")
    assert "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n" in diff
