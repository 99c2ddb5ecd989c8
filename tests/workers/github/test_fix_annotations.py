"""Annotations on the lines a fix changes, from real `git diff` output."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workers.github.fix_annotations import MAX_ANNOTATIONS, fix_annotations

URL = "https://github.com/o/r/pull/7"
BEFORE = "".join(f"line {n}\n" for n in range(1, 21))


def git_diff(tmp_path: Path, before: dict[str, str], after: dict[str, str | None], *args: str) -> str:
    def run(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    run("init", "-q")
    for name, text in before.items():
        (tmp_path / name).write_text(text)
    run("add", "-A")
    run("-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "base")
    for name, text in after.items():
        if text is None:
            (tmp_path / name).unlink()
        else:
            (tmp_path / name).write_text(text)
    run("add", "-A")
    return run("diff", "--cached", *args)


def _spans(diff: str) -> list[tuple[str, int, int, str]]:
    found = fix_annotations(diff, URL)
    return [(a["path"], a["start_line"], a["end_line"], a["message"].split(f"{URL} ")[1]) for a in found]


# However much context git gives (hunks merge at -U3), each run of changed lines is one annotation.
@pytest.mark.parametrize("context", ["-U0", "-U1", "-U3", "-U10"])
def test_each_hunk_names_the_lines_it_changes_removes_or_follows(tmp_path: Path, context: str) -> None:
    lines = BEFORE.splitlines(keepends=True)
    lines[4] = "LINE FIVE\n"  # a one-line change
    lines[9:11] = ["ten and eleven\n"]  # two lines become one
    del lines[15]  # a removal (old line 17: the list is one shorter by now)
    lines.insert(18, "inserted\n")  # at the end, after old line 20
    after = "".join(["top\n", *lines])  # an insertion at the very top
    diff = git_diff(tmp_path, {"f.py": BEFORE}, {"f.py": after}, context)
    assert _spans(diff) == [
        ("f.py", 1, 1, "adds code before line 1."),
        ("f.py", 5, 5, "changes line 5."),
        ("f.py", 10, 11, "changes lines 10-11."),
        ("f.py", 17, 17, "removes line 17."),
        ("f.py", 20, 20, "adds code after line 20."),
    ]


def test_an_annotation_carries_the_new_code_and_a_notice_level(tmp_path: Path) -> None:
    lines = BEFORE.splitlines(keepends=True)
    lines[4:6] = ["five\n", "five and a half\n", "six\n"]
    diff = git_diff(tmp_path, {"f.py": BEFORE}, {"f.py": "".join(lines)})
    [annotation] = fix_annotations(diff, URL)
    assert (annotation["start_line"], annotation["end_line"]) == (5, 6)
    assert (
        annotation["raw_details"] == "five\nfive and a half\nsix"
        and annotation["annotation_level"] == "notice"
    )


def test_new_deleted_and_binary_files_get_no_annotation_and_paths_are_the_repositorys(tmp_path: Path) -> None:
    before = {"gone.py": "x = 1\n", "img.bin": "\0\1", "sub dir.py": "a\nb\n"}
    (tmp_path / "pkg").mkdir()
    diff = git_diff(
        tmp_path,
        {**before, "pkg/m.py": "a\n"},
        {"gone.py": None, "img.bin": "\0\2", "new.py": "n = 1\n", "pkg/m.py": "b\n", "sub dir.py": "a\nc\n"},
    )
    assert [(a["path"], a["start_line"]) for a in fix_annotations(diff, URL)] == [
        ("pkg/m.py", 1),
        ("sub dir.py", 2),
    ]


def test_at_most_fifty_annotations() -> None:
    hunk = "@@ -{n},1 +{n},1 @@\n-old\n+new\n"
    diff = "--- a/f.py\n+++ b/f.py\n" + "".join(hunk.format(n=n) for n in range(1, 200, 2))
    assert len(fix_annotations(diff, URL)) == MAX_ANNOTATIONS
