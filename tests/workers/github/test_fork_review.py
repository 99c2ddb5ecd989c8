"""Which files of a fix become suggestions and which a patch in the review's body; what the body says."""

from __future__ import annotations

from workers.github.fork_review import split_fix
from workers.github.fork_review_text import marker, review_body
from workers.loop.repair_loop import RepairResult
from workers.runners.process import RunResult

PATCH = "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c"  # the pull request changed line 2 of f.py


def test_a_file_whose_hunks_all_lie_in_the_pull_requests_diff_becomes_suggestions() -> None:
    offer = split_fix({"f.py": ("a\nB\nc\n", "a\nX\nc\n")}, {"f.py": PATCH})
    assert [(s.path, s.start_line, s.line, s.body) for s in offer.suggestions] == [("f.py", 2, 2, "X")]
    assert offer.patch == ""


def test_a_file_with_one_hunk_outside_the_diff_new_files_and_deleted_ones_become_a_patch() -> None:
    files = {
        "f.py": ("a\nB\nc\nd\ne\nf\ng\n", "a\nX\nc\nd\ne\nf\nG\n"),  # line 7 is outside the hunk
        "new.py": (None, "print(1)\n"),
        "old.py": ("x\n", None),
        "untouched.py": ("p\n", "q\n"),  # not in the pull request's diff at all
    }
    offer = split_fix(files, {"f.py": PATCH, "old.py": "@@ -0,0 +1 @@\n+x"})
    assert offer.suggestions == []
    for header in ("+++ b/f.py", "+++ b/new.py", "--- a/old.py", "+++ b/untouched.py"):
        assert header in offer.patch
    assert "+X\n" in offer.patch and "+G\n" in offer.patch  # the whole file, never half of it each way


def test_the_body_says_how_to_apply_and_fences_the_patch_longer_than_its_backticks() -> None:
    run = RunResult(command="pytest", exit_code=0, output="", duration_s=1.0)
    result = RepairResult(success=True, reason="", before=run, after=run, explanation="depth must be 0")
    body = review_body(result, link_line="CI failed.", fork="mallory/x", command="pytest -q", suggestions=2,
                       outside_diff="+```\n", delivery_id="d1")  # fmt: skip
    assert "fork `mallory/x`" in body and "2 suggestion(s)" in body and "The rest is a patch" in body
    assert "````diff\n+```\n````" in body and body.endswith(marker("d1"))
