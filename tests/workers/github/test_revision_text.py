"""The words of a revision: review comments and the diff bounded for the prompt, the ledger grown by one entry
per revision. Pure logic, no I/O."""

from __future__ import annotations

from core.jobs import RepairRequest
from workers.github import revision_text
from workers.github.gateway import ChangedFile, PullInfo, ReviewNote
from workers.loop.repair_loop import RepairResult, RepairStatus
from workers.loop.text_caps import DIFF_CHARS, REVIEW_COMMENT_CHARS, REVIEW_COMMENTS_CHARS
from workers.runners.process import RunResult

PULL = PullInfo(5, "codellama/fix-issue-1", "o/r", "main", "a" * 40, "Fix #1", "body", "https://x/pull/5")


def _request(delivery: str, *, review: bool = False) -> RepairRequest:
    return RepairRequest(
        kind="issue",
        installation_id=1,
        repo_full_name="o/r",
        delivery_id=delivery,
        issue_number=5,
        is_pull_request=True,
        instructions="use a set",
        requested_by="alice",
        review_id=77 if review else None,
    )


def test_a_flood_of_long_review_comments_is_capped_keeping_the_latest() -> None:
    notes = [ReviewNote("a.py", n, "mallory", f"comment {n} " + "x" * 50_000, "code") for n in range(500)]
    text = revision_text.notes_text(notes)
    assert len(text) < REVIEW_COMMENTS_CHARS + 500
    assert "comment 499" in text and "comment 0 " not in text
    assert "older review comment(s) left out" in text
    assert f"over the bot's cap of {REVIEW_COMMENT_CHARS:,}" in text


def test_an_outdated_comment_says_its_line_is_unknown_and_code_is_quoted() -> None:
    text = revision_text.notes_text([ReviewNote("a.py", None, "bob", "why?\nreally", "    return True")])
    assert text == "- `a.py` line ?, @bob:\n  >     return True\n  why?\n  really"


def test_a_huge_diff_is_cut_naming_the_files_left_out() -> None:
    files = [ChangedFile(f"f{n}.py", "modified", "@@ -1 +1 @@\n-" + "y" * 5_000) for n in range(10)]
    text = revision_text.diff_text(files)
    assert len(text) < DIFF_CHARS + 500
    assert "--- f0.py (modified)" in text and "not shown: f2.py, f3.py" in text
    assert revision_text.diff_text([ChangedFile("x", "added", "+```")]) == "--- x (added)\n+'''"


def test_the_task_carries_instructions_comments_and_diff() -> None:
    notes = [ReviewNote("a.py", 3, "bob", "rename it", "x = 1")]
    task = revision_text.task_text(_request("d"), PULL, notes, [ChangedFile("a.py", "modified", "+x = 1")])
    assert "Revise pull request #5" in task and "### Instructions from @alice\nuse a set" in task
    assert "- `a.py` line 3, @bob:\n  > x = 1\n  rename it" in task
    assert "```diff\n--- a.py (modified)\n+x = 1\n```" in task


def _result() -> RepairResult:
    passed = RunResult("pytest", 0, "1 passed", 1.0)
    return RepairResult(True, "", RunResult("pytest", 1, "1 failed", 1.0), passed, status=RepairStatus.FIXED)


def test_the_ledger_grows_by_one_entry_per_revision_above_the_footer() -> None:
    body = "Fixes #1.\n\n### Tests\nok\n\n*Opened by codellama-bot. Review it."
    first = revision_text.entry(
        body, _request("d1"), _result(), commit_url="u1", sha="1" * 40, files=["a.py"]
    )
    body = revision_text.with_revision(body, first)
    second = revision_text.entry(
        body, _request("d2", review=True), _result(), commit_url="u2", sha="2" * 40, files=[]
    )
    body = revision_text.with_revision(body, second)
    assert body.index("### Tests") < body.index("### Revisions") < body.index("*Opened by")
    assert "- **Revision 1**: [1111111](u1), asked by @alice in a comment. Changed `a.py`." in body
    assert "- **Revision 2**: [2222222](u2), asked by @alice in a review." in body
    assert body.index("Revision 1") < body.index("Revision 2") < body.index("*Opened by")
    assert revision_text.done_by(body, "d1") and revision_text.done_by(body, "d2")
    assert not revision_text.done_by(body, "d3")


def test_a_body_without_the_footer_gets_its_revisions_at_the_end() -> None:
    body = revision_text.with_revision("Edited by a human.", "- entry")
    assert body == "Edited by a human.\n\n### Revisions\n- entry\n"
