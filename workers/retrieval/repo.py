"""Which files of a checkout are source code worth ranking, and which of them are tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

# Extensions we can chunk into symbols; anything else is not a candidate for an edit.
SOURCE_EXTENSIONS = {
    ".py": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".rb": "ruby",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
}

# Directories that hold no code of the project itself (vendored environments, caches, build output).
SKIP_DIRS = {
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
    # Vendored third-party code (django's admin ships jQuery under static/.../vendor/).
    "vendor",
    "vendored",
    "third_party",
    "_vendor",
}

# Larger files are generated or data (parser tables, minified bundles); ranking them wastes the budget.
MAX_FILE_BYTES = 1_000_000

# "test/" and "testing/" alone are not enough: django/test/ and sympy/testing/ are library code, so those
# directories count only through their file names (or Maven's src/test/ layout).
_TEST_DIR = re.compile(r"(^|/)(tests|__tests__|spec|src/test)(/|$)")
_TEST_FILE = re.compile(
    r"(^|/)(test_[^/]*|tests?\.py|[^/]*_tests?\.\w+|[^/]*\.(test|spec)\.\w+|conftest\.py|[^/]*Tests?\.java)$"
)


def is_test_path(rel_path: str) -> bool:
    """True for test code, which is a candidate for an edit only when the evidence points at it."""
    return bool(_TEST_DIR.search(rel_path) or _TEST_FILE.search(rel_path))


def language_of(rel_path: str) -> str | None:
    return SOURCE_EXTENSIONS.get(os.path.splitext(rel_path)[1])


def source_files(repo_root: Path, *, include_tests: bool = False) -> list[str]:
    """Repository-relative POSIX paths of source files, sorted, skipping vendored and generated trees."""
    found: list[str] = []
    root = str(repo_root)
    for dirpath, dirnames, filenames in os.walk(root):
        # Sorting keeps the order (and so tie-breaks in the ranking) independent of the file system.
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        rel_dir = os.path.relpath(dirpath, root)
        for name in sorted(filenames):
            if os.path.splitext(name)[1] not in SOURCE_EXTENSIONS:
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            if not include_tests and is_test_path(rel):
                continue
            if name.endswith((".min.js", ".bundle.js")):
                continue
            try:
                if os.path.getsize(os.path.join(dirpath, name)) > MAX_FILE_BYTES:
                    continue
            except OSError:
                continue
            found.append(rel)
    return found


def read_text(repo_root: Path, rel_path: str) -> str:
    """File text, decoding leniently: a stray byte must not hide a file from the ranking."""
    try:
        return (repo_root / rel_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
