"""The files a checkout holds and which of them are tests: the one list every stage looks paths up in.

Edits resolve the paths a model writes against it, evidence places the paths a runner prints, retrieval ranks
the source files in it. One list and one skip policy, so no stage sees a file another cannot.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path, PurePosixPath

from workers.checkout.paths import PathPlacer, Placement

# Directories that hold no file of the project itself: version control, environments, caches, build output.
# Applied to `git ls-files` too, so a committed node_modules/ or venv is treated like an ignored one.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        "site-packages",
        ".eggs",
        "target",
        # Tool caches that land in the checkout when HOME is the checkout, as in the sandbox: Go's build
        # cache (.cache/go-build), pip's and others'. Never a project's own code.
        ".cache",
    }
)
# A checkout this large keeps only the files listed so far.
MAX_FILES = 200_000
_GIT_TIMEOUT_S = 60


def is_skipped_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


# `tests/`, `__tests__/` and `spec/` hold tests in every language. `test/` and `testing/` do too, except that
# a Python package of that name is usually library code (django/test/, numpy/testing/, sympy/testing/): Python
# test modules are found by their names (unittest and pytest discover test*.py), so for .py files the name
# decides. Maven's src/test/ is covered by `test/`.
_TEST_DIR = re.compile(r"(^|/)(tests|__tests__|spec)/")
_TEST_OR_TESTING_DIR = re.compile(r"(^|/)(test|testing)/")
_TEST_FILE = re.compile(
    r"(^|/)(test_[^/]*|tests?\.py|[^/]*_tests?\.\w+|[^/]*\.(test|spec)\.\w+|conftest\.py|[^/]*Tests?\.java"
    r"|[^/]*_spec\.rb)$"
)


def is_test_path(path: str) -> bool:
    """True for test code: the guards protect it from weakening, and retrieval ranks it only on evidence."""
    posix = PurePosixPath(path.replace("\\", "/")).as_posix()
    if _TEST_FILE.search(posix) or _TEST_DIR.search(posix):
        return True
    return not posix.endswith(".py") and bool(_TEST_OR_TESTING_DIR.search(posix))


def may_be_test_path(path: str) -> bool:
    """is_test_path, or a Python file under test/ or testing/: what the edit guards keep from weakening.

    Such a file is library code (django/test/testcases.py), a test helper the tests import (test/utils.py),
    or a test module found by a project's own pattern (pytest's testing/python/collect.py, collected through
    python_files). Retrieval ranks it as code; the guards cannot tell which it is, and the costs differ: a
    wrongly guarded library file costs a refusal that tells the model to fix the code elsewhere (or the
    repository allows test edits), a wrongly unguarded test lets a repair pass by weakening what is tested.
    """
    return is_test_path(path) or bool(_TEST_OR_TESTING_DIR.search(path.replace("\\", "/")))


def checkout_files(root: Path) -> list[str]:
    """Every file of the checkout as a POSIX path relative to `root`, in a file-system-independent order.

    A git checkout lists its tracked files plus the untracked ones it does not ignore (a file the bot just
    created counts, a build artefact does not), minus those deleted from the work tree; anything else is
    walked. Both skip SKIP_DIRS. The order is a sorted top-down walk (a directory's files before its
    subdirectories), so ranking tie-breaks do not depend on which way the list was made.
    """
    listed = _git_files(root) if (root / ".git").exists() else None
    if listed is None:
        listed = _walked_files(root)  # pruned as it walks
    else:
        listed = [f for f in listed if "/" not in f or not any(map(is_skipped_dir, f.split("/")[:-1]))]
    listed.sort(key=_walk_order)
    return listed[:MAX_FILES]


def _walk_order(path: str) -> tuple[tuple[int, str], ...]:
    parts = path.split("/")
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]))


def _git(root: Path, *args: str) -> list[str]:
    done = subprocess.run(
        ["git", "-c", "core.fsmonitor=false", "-C", str(root), "ls-files", "-z", *args],
        capture_output=True,
        timeout=_GIT_TIMEOUT_S,
        check=True,
    )
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _git_files(root: Path) -> list[str] | None:
    """None when git cannot list the checkout (no git, a broken repository): the caller walks it instead."""
    try:
        listed = _git(root, "--cached", "--others", "--exclude-standard")
        deleted = set(_git(root, "--deleted"))
    except (OSError, subprocess.SubprocessError):
        return None
    # --cached and --others can both name a path during a merge; a submodule is listed as its directory.
    seen: set[str] = set()
    files = []
    for path in listed:
        if path not in deleted and path not in seen and not os.path.isdir(root / path):
            seen.add(path)
            files.append(path)
    return files


def _walked_files(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not is_skipped_dir(d)]
        rel = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + name for name in filenames)
        if len(found) >= MAX_FILES:
            break
    return found


class CheckoutIndex:
    """The checkout's file list with the one placing rule (workers/checkout/paths.py) over it.

    Built on first use and kept for the index's life: make a new one when files may have come or gone.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._placer: PathPlacer | None = None

    def place(self, spelled: str) -> Placement:
        """The file(s) of the checkout that best match `spelled`; see workers/checkout/paths.py."""
        if self._placer is None:
            self._placer = PathPlacer(checkout_files(self.root))
        return self._placer.place(spelled)
