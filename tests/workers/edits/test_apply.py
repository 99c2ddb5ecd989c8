"""apply_answer end to end on real files: atomic answers, rollback, feedback with the real lines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.checkout.files import checkout_files
from workers.edits import EditPolicy, apply_answer, plan_answer, write_plan

QUIX = CORPORA / "quixbugs"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git checkout holding a few QuixBugs programs and their tests."""
    root = tmp_path / "quixbugs"
    (root / "python_programs").mkdir(parents=True)
    (root / "python_testcases").mkdir()
    for name in ("gcd.py", "quicksort.py", "bitcount.py"):
        shutil.copy(QUIX / "python_programs" / name, root / "python_programs" / name)
    shutil.copy(QUIX / "python_testcases" / "test_gcd.py", root / "python_testcases" / "test_gcd.py")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, timeout=30)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, timeout=30)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"],
        cwd=root,
        check=True,
        timeout=30,
    )
    return root


def status(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True, timeout=30
    ).stdout


GCD_FIX = (
    "python_programs/gcd.py\n```python\n<<<<<<< SEARCH\n        return gcd(a % b, b)\n=======\n"
    "        return gcd(b, a % b)\n>>>>>>> REPLACE\n```\n"
)
QUICKSORT_FIX = (
    "--- a/python_programs/quicksort.py\n+++ b/python_programs/quicksort.py\n@@ -99,3 +99,3 @@\n"
    "     pivot = arr[0]\n     lesser = quicksort([x for x in arr[1:] if x < pivot])\n"
    "-    greater = quicksort([x for x in arr[1:] if x > pivot])\n"
    "+    greater = quicksort([x for x in arr[1:] if x >= pivot])\n"
)


def test_two_formats_two_files_applied(repo: Path) -> None:
    report = apply_answer(repo, "Two bugs.\n\n" + GCD_FIX + "\n" + QUICKSORT_FIX, EditPolicy())
    assert report.ok and report.feedback == ""
    assert [(o.path, o.status, o.rung) for o in report.outcomes] == [
        ("python_programs/gcd.py", "applied", "exact"),
        ("python_programs/quicksort.py", "applied", "exact"),
    ]
    assert sorted(report.changed_paths) == ["python_programs/gcd.py", "python_programs/quicksort.py"]
    assert "return gcd(b, a % b)" in (repo / "python_programs" / "gcd.py").read_text()
    assert "if x >= pivot" in (repo / "python_programs" / "quicksort.py").read_text()


def test_one_refused_edit_rolls_back_the_whole_answer(repo: Path) -> None:
    bad = GCD_FIX.replace("return gcd(a % b, b)\n=", "return gcd(a // b, b)\n=")
    report = apply_answer(repo, QUICKSORT_FIX + "\n" + bad, EditPolicy())
    assert not report.ok and report.changed_paths == []
    assert status(repo) == ""
    first, second = report.outcomes
    assert first.status == "refused" and first.rung == "exact" and "rolled back" in (first.reason or "")
    assert second.status == "refused" and "not found" in (second.reason or "")
    # The feedback names the refused edit and shows the real lines with their numbers.
    assert "Edit 2 (SEARCH/REPLACE block, python_programs/gcd.py)" in report.feedback
    assert "5 |         return gcd(a % b, b)" in report.feedback


def test_an_edit_that_breaks_the_syntax_is_rolled_back(repo: Path) -> None:
    broken = GCD_FIX.replace("        return gcd(b, a % b)\n>", "        return gcd(b, a % b\n>")
    report = apply_answer(repo, broken, EditPolicy())
    assert not report.ok and status(repo) == ""
    assert "unparsable" in (report.outcomes[0].reason or "")
    # The feedback shows the broken line as edited, with its number.
    assert "5 |         return gcd(b, a % b" in report.feedback


def test_ci_config_and_protected_files_are_refused(repo: Path) -> None:
    answer = ".github/workflows/ci.yml\n```yaml\non: [push, pull_request]\n```\n"
    report = apply_answer(repo, answer, EditPolicy())
    assert not report.ok and "CI configuration" in (report.outcomes[0].reason or "")
    report = apply_answer(repo, GCD_FIX, EditPolicy(protected_globs=("python_programs/gcd.py",)))
    assert not report.ok and status(repo) == ""


def test_weakening_a_test_is_refused_unless_allowed(repo: Path) -> None:
    answer = (
        "python_testcases/test_gcd.py\n<<<<<<< SEARCH\n    assert gcd(*input_data) == expected\n=======\n"
        "    gcd(*input_data)\n>>>>>>> REPLACE\n"
    )
    report = apply_answer(repo, answer, EditPolicy())
    assert not report.ok and "assertion" in (report.outcomes[0].reason or "") and status(repo) == ""
    assert apply_answer(repo, answer, EditPolicy(allow_test_edits=True)).ok


def test_no_recognisable_edit_explains_the_format(repo: Path) -> None:
    report = apply_answer(repo, "I think the bug is in gcd: the arguments are swapped.", EditPolicy())
    assert not report.ok and report.outcomes[0].status == "refused"
    assert "<<<<<<< SEARCH" in report.feedback and "python_programs/gcd.py" in report.feedback


def test_new_file_and_whole_file(repo: Path) -> None:
    gcd = (QUIX / "python_programs" / "gcd.py").read_text().replace("gcd(a % b, b)", "gcd(b, a % b)")
    answer = (
        f"python_programs/gcd.py\n```python\n{gcd}```\n\n"
        "python_programs/lcm.py\n```python\nfrom .gcd import gcd\n```\n"
    )
    report = apply_answer(repo, answer, EditPolicy())
    assert report.ok, report.feedback
    assert [o.rung for o in report.outcomes] == ["whole_file", "new_file"]
    assert (repo / "python_programs" / "gcd.py").read_text() == gcd
    assert (repo / "python_programs" / "lcm.py").read_text() == "from .gcd import gcd\n"


def test_whole_file_much_shorter_than_the_file_is_refused_as_an_excerpt(repo: Path) -> None:
    # QuixBugs' fixed gcd.py lacks the 20-line docstring of the buggy one: as a "whole file" it would
    # silently delete it.
    gcd = (QUIX / "correct_python_programs" / "gcd.py").read_text()
    report = apply_answer(repo, f"python_programs/gcd.py\n```python\n{gcd}```\n", EditPolicy())
    assert not report.ok and "excerpt" in (report.outcomes[0].reason or "") and status(repo) == ""


def test_whole_file_with_elided_lines_is_filled_from_the_file(repo: Path) -> None:
    answer = (
        "python_programs/gcd.py\n```python\ndef gcd(a, b):\n    if b == 0:\n        return a\n    else:\n"
        "        return gcd(b, a % b)\n# ... rest of the file unchanged ...\n```\n"
    )
    report = apply_answer(repo, answer, EditPolicy())
    assert report.ok and report.outcomes[0].rung == "whole_file+elision"
    text = (repo / "python_programs" / "gcd.py").read_text()
    assert "return gcd(b, a % b)" in text and "Greatest Common Divisor" in text


def test_crlf_file_keeps_crlf(repo: Path) -> None:
    path = repo / "python_programs" / "gcd.py"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert apply_answer(repo, GCD_FIX, EditPolicy()).ok
    data = path.read_bytes()
    assert b"return gcd(b, a % b)\r\n" in data and data.count(b"\r\n") == data.count(b"\n")


def test_edit_that_changes_nothing_is_refused(repo: Path) -> None:
    same = (
        "python_programs/gcd.py\n<<<<<<< SEARCH\n    if b == 0:\n=======\n    if b == 0:\n>>>>>>> REPLACE\n"
    )
    report = apply_answer(repo, same, EditPolicy())
    assert not report.ok and "changes nothing" in (report.outcomes[0].reason or "")


def test_several_edits_to_one_file_build_on_each_other(repo: Path) -> None:
    answer = GCD_FIX + (
        "python_programs/gcd.py\n<<<<<<< SEARCH\n        return gcd(b, a % b)\n=======\n"
        "        return gcd(b, a % b)  # Euclid\n>>>>>>> REPLACE\n"
    )
    assert apply_answer(repo, answer, EditPolicy()).ok
    assert "return gcd(b, a % b)  # Euclid" in (repo / "python_programs" / "gcd.py").read_text()


def test_a_failed_write_restores_the_files_already_written(repo: Path) -> None:
    # quicksort.py is a file, so a new file "under" it cannot be written: the write fails after gcd.py
    # was already written, and gcd.py must be put back.
    answer = GCD_FIX + "\npython_programs/quicksort.py/extra.py\n```python\nx = 1\n```\n"
    report = apply_answer(repo, answer, EditPolicy())
    assert not report.ok and report.changed_paths == []
    assert "writing the edited files failed" in (report.outcomes[0].reason or "")
    assert status(repo) == ""


def test_deleting_a_file_by_diff(repo: Path) -> None:
    deletion = "--- a/python_programs/bitcount.py\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-def bitcount(n):\n"
    report = apply_answer(repo, deletion, EditPolicy())
    assert report.ok and report.outcomes[0].rung == "delete_file"
    assert not (repo / "python_programs" / "bitcount.py").exists()
    test_deletion = deletion.replace("python_programs/bitcount.py", "python_testcases/test_gcd.py")
    report = apply_answer(repo, test_deletion, EditPolicy())
    assert not report.ok and "deleting the test file" in (report.outcomes[0].reason or "")


def test_binary_file_is_refused(repo: Path) -> None:
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    report = apply_answer(
        repo, "logo.png\n<<<<<<< SEARCH\nPNG\n=======\nJPG\n>>>>>>> REPLACE\n", EditPolicy()
    )
    assert not report.ok and "binary" in (report.outcomes[0].reason or "")


def test_unnamed_edit_goes_to_the_one_file_that_has_its_lines(repo: Path) -> None:
    unnamed = GCD_FIX.replace("python_programs/gcd.py\n", "")
    report = apply_answer(repo, unnamed, EditPolicy())
    assert report.ok and report.outcomes[0].path == "python_programs/gcd.py"
    common = "<<<<<<< SEARCH\ndef \n=======\ndef  \n>>>>>>> REPLACE\n"  # "def " is in every program
    report = apply_answer(repo, common, EditPolicy())
    assert not report.ok and "several files" in (report.outcomes[0].reason or "")


def _humaneval_go(number: int) -> tuple[str, str]:
    row = json.loads(
        (CORPORA / "humanevalfix" / "data" / "go" / "humanevalpack.jsonl").read_text().splitlines()[number]
    )
    head = "package main\n\n" + row.get("import", "")
    return head + row["prompt"] + row["buggy_solution"], head + row["prompt"] + row["canonical_solution"]


def test_whole_file_elision_that_could_hide_an_insertion_is_refused(tmp_path: Path) -> None:
    # HumanEvalFix Go/126: the fix inserts a loop just like its neighbours. An answer that elides the
    # top of the file and shows the new loop first could mean "insert" or "change the first loop".
    buggy, fixed = _humaneval_go(126)
    (tmp_path / "sorted.go").write_text(buggy)
    tail = fixed[fixed.index("    for _, i := range lst {\n        count_digit[i]++") :]
    answer = f"sorted.go\n```go\npackage main\n// ... existing code unchanged ...\n{tail}```\n"
    report = apply_answer(tmp_path, answer, EditPolicy())
    assert not report.ok and "cannot be placed" in (report.outcomes[0].reason or "")
    assert (tmp_path / "sorted.go").read_text() == buggy


def test_whole_file_elision_anchored_by_unique_lines(tmp_path: Path) -> None:
    buggy, fixed = _humaneval_go(2)
    (tmp_path / "truncate.go").write_text(buggy)
    lines = fixed.rstrip("\n").split("\n")
    answer = "truncate.go\n```go\n" + "\n".join([lines[0], "// ...", *lines[-4:]]) + "\n```\n"
    report = apply_answer(tmp_path, answer, EditPolicy())
    assert report.ok, report.feedback
    # The file's own trailing blank line stays: the answer's lack of it is layout, not a change.
    assert (tmp_path / "truncate.go").read_text() == fixed


def test_path_comment_line_is_not_written_into_the_file(repo: Path) -> None:
    gcd = (QUIX / "python_programs" / "gcd.py").read_text().replace("gcd(a % b, b)", "gcd(b, a % b)")
    report = apply_answer(repo, f"```python\n# python_programs/gcd.py\n{gcd}```\n", EditPolicy())
    assert report.ok, report.feedback
    assert (repo / "python_programs" / "gcd.py").read_text() == gcd


def test_a_one_line_snippet_never_replaces_a_small_file(tmp_path: Path) -> None:
    # HumanEvalFix Python/0 is 13 lines; an answer quoting the fixed line alone under the file's name
    # must not become the whole file.
    row = json.loads(
        (CORPORA / "humanevalfix" / "data" / "python" / "humanevalpack.jsonl").read_text().splitlines()[0]
    )
    (tmp_path / "close.py").write_text(row["prompt"] + row["buggy_solution"])
    answer = (
        "In `close.py` the line should read:\n```python\n                distance = abs(elem - elem2)\n```\n"
    )
    report = apply_answer(tmp_path, answer, EditPolicy())
    assert not report.ok and "excerpt" in (report.outcomes[0].reason or "")


def test_a_planned_answer_writes_nothing_until_written_into_a_checkout_at_the_same_commit(
    repo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(other)], cwd=repo, check=True, timeout=30)
    plan = plan_answer(repo, GCD_FIX, EditPolicy(), listing=checkout_files(repo))
    assert plan.report.ok and plan.report.changed_paths == ["python_programs/gcd.py"]
    assert status(repo) == ""
    assert write_plan(other, plan).ok
    assert status(repo) == "" and status(other) == " M python_programs/gcd.py\n"
    assert "return gcd(b, a % b)" in (other / "python_programs" / "gcd.py").read_text()
