"""Resolving the paths models write, and refusing every way out of the repository."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.edits.paths import resolve_path
from workers.edits.records import Refused


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "python_programs").mkdir(parents=True)
    (root / "python_testcases").mkdir()
    for name in ("gcd.py", "quicksort.py", "node.py"):
        shutil.copy(CORPORA / "quixbugs" / "python_programs" / name, root / "python_programs" / name)
    shutil.copy(CORPORA / "quixbugs" / "python_testcases" / "test_gcd.py", root / "python_testcases")
    (root / "lib").mkdir()
    (root / "lib" / "node.py").write_text("class Node: ...\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    return root


@pytest.mark.parametrize(
    "written",
    [
        "python_programs/gcd.py",
        "a/python_programs/gcd.py",
        "b/python_programs/gcd.py",
        "./python_programs/gcd.py",
        "`python_programs/gcd.py`",
        "gcd.py",
        "python_programs//gcd.py",
    ],
)
def test_spellings_of_one_file(repo: Path, written: str) -> None:
    assert resolve_path(repo, written) == "python_programs/gcd.py"


def test_absolute_path_inside_the_checkout(repo: Path) -> None:
    assert resolve_path(repo, str(repo / "python_programs" / "gcd.py")) == "python_programs/gcd.py"


def test_absolute_path_from_another_machine_ending_in_a_repo_path(repo: Path) -> None:
    assert (
        resolve_path(repo, "/home/dev/QuixBugs/python_programs/quicksort.py")
        == "python_programs/quicksort.py"
    )


def test_absolute_path_outside_is_refused(repo: Path) -> None:
    with pytest.raises(Refused, match="outside the repository"):
        resolve_path(repo, "/etc/passwd")


def test_parent_directory_is_refused(repo: Path) -> None:
    with pytest.raises(Refused, match=r"\.\."):
        resolve_path(repo, "../outside.py")


def test_bare_name_matching_two_files_is_refused(repo: Path) -> None:
    with pytest.raises(Refused, match="several files"):
        resolve_path(repo, "node.py")


def test_dot_git_is_refused(repo: Path) -> None:
    with pytest.raises(Refused, match=r"\.git"):
        resolve_path(repo, ".git/config")
    with pytest.raises(Refused, match=r"\.git"):
        resolve_path(repo, "a/.git/hooks/pre-commit")


def test_symlink_leading_out_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "escape")
    with pytest.raises(Refused, match="outside the repository"):
        resolve_path(repo, "escape/evil.py")


def test_symlink_into_dot_git_is_refused(repo: Path) -> None:
    os.symlink(repo / ".git" / "config", repo / "innocent.cfg")
    with pytest.raises(Refused, match=r"\.git"):
        resolve_path(repo, "innocent.cfg")


def test_symlinked_file_inside_is_refused(repo: Path) -> None:
    os.symlink(repo / "python_programs" / "gcd.py", repo / "gcd_link.py")
    with pytest.raises(Refused, match="symbolic link"):
        resolve_path(repo, "gcd_link.py")


def test_new_file_keeps_its_path(repo: Path) -> None:
    assert resolve_path(repo, "b/python_programs/lcm.py") == "python_programs/lcm.py"
    assert resolve_path(repo, "docs/notes.md") == "docs/notes.md"


def test_directory_is_refused(repo: Path) -> None:
    with pytest.raises(Refused, match="directory"):
        resolve_path(repo, "python_programs")


def test_a_diff_prefix_on_a_bare_name_places_the_one_file(repo: Path) -> None:
    # "a/gcd.py" used to become a new top-level gcd.py beside python_programs/gcd.py.
    assert resolve_path(repo, "a/gcd.py") == "python_programs/gcd.py"


def test_a_top_level_file_from_another_machine(repo: Path) -> None:
    (repo / "setup.py").write_text("\n")
    assert resolve_path(repo, "/home/dev/checkout/setup.py") == "setup.py"
    assert resolve_path(repo, "C:\\Users\\dev\\QuixBugs\\python_programs\\gcd.py") == "python_programs/gcd.py"


def test_a_foreign_path_matching_two_files_is_refused(repo: Path) -> None:
    for top in ("one", "two"):
        (repo / top / "pkg").mkdir(parents=True)
        (repo / top / "pkg" / "mod.py").write_text("\n")
    with pytest.raises(Refused, match=r"several files \(one/pkg/mod.py, two/pkg/mod.py\)"):
        resolve_path(repo, "/home/dev/elsewhere/pkg/mod.py")
