"""The checkout's one file list (git's view when it is a git checkout) and the one test-path rule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workers.checkout.files import CheckoutIndex, checkout_files, is_test_path

TEST_PATHS = [
    # (path, is a test)
    ("tests/x.py", True),
    ("pkg/tests/helpers.py", True),
    ("python_testcases/test_gcd.py", True),
    ("test_gcd.py", True),
    ("pkg/gcd_test.py", True),
    ("django/contrib/auth/tests.py", True),
    ("conftest.py", True),
    ("pkg/foo_test.go", True),
    ("src/test/java/org/x/GcdTest.java", True),
    ("src/main/java/org/x/GcdTests.java", True),
    ("src/App.test.tsx", True),
    ("src/app.spec.js", True),
    ("src/__tests__/app.js", True),
    ("spec/models/user_spec.rb", True),
    ("test/index.js", True),
    ("packages/core/test/helpers.js", True),
    ("testing/fixtures.go", True),
    ("internal/testing/setup.go", True),
    ("src/foo_test.cc", True),
    # A Python package named test or testing is library code; its test modules are found by name.
    ("django/test/testcases.py", False),
    ("sympy/testing/pytest.py", False),
    ("testing/python/collect.py", False),
    ("testing/test_collection.py", True),
    ("python_programs/gcd.py", False),
    ("src/contest.py", False),
    ("src/attestation.js", False),
    ("src/main/java/org/x/Gcd.java", False),
    ("lib/latest.rb", False),
]


@pytest.mark.parametrize(("path", "expected"), TEST_PATHS)
def test_is_test_path(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


def _write(root: Path, *paths: str) -> None:
    for rel in paths:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_a_git_checkout_lists_tracked_and_unignored_files(tmp_path: Path) -> None:
    _write(tmp_path, "src/a.py", "src/gone.py", "z.py", ".gitignore", "vendored_env/node_modules/m.js")
    (tmp_path / ".gitignore").write_text("*.log\nscratch/\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _write(tmp_path, "src/new.py", "run.log", "scratch/notes.py", "build/out.py", ".cache/go-build/ab/x.go")
    (tmp_path / "src" / "gone.py").unlink()

    # Tracked, plus untracked-but-not-ignored; not the deleted, ignored or skipped-directory files.
    assert checkout_files(tmp_path) == [".gitignore", "z.py", "src/a.py", "src/new.py"]


def test_without_git_the_walk_skips_the_same_directories(tmp_path: Path) -> None:
    _write(tmp_path, "src/a.py", "z.py", ".venv/lib/x.py", "pkg.egg-info/PKG-INFO", "src/__pycache__/a.pyc")
    assert checkout_files(tmp_path) == ["z.py", "src/a.py"]


def test_the_index_places_a_printed_tail_only_when_one_file_fits(tmp_path: Path) -> None:
    _write(tmp_path, "app/models/user.py", "app/views/user.py", "app/models/order.py")
    index = CheckoutIndex(tmp_path)
    assert index.place("models/order.py").path == "app/models/order.py"
    assert index.place("user.py").matches == ("app/models/user.py", "app/views/user.py")
