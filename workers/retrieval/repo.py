"""Which files of a checkout are source code worth ranking."""

from __future__ import annotations

import os
from pathlib import Path

from workers.checkout.files import checkout_files, is_test_path

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

# Directories of the checkout that hold other people's code (django's admin ships jQuery under
# static/.../vendor/): listed with the checkout's files, but never worth ranking.
VENDORED_DIRS = {"vendor", "vendored", "third_party", "_vendor"}

# Larger files are generated or data (parser tables, minified bundles); ranking them wastes the budget.
MAX_FILE_BYTES = 1_000_000


def language_of(rel_path: str) -> str | None:
    return SOURCE_EXTENSIONS.get(os.path.splitext(rel_path)[1])


def source_files(repo_root: Path, *, include_tests: bool = False) -> list[str]:
    """Repository-relative POSIX paths of source files, in the checkout's file order, skipping vendored and
    generated files."""
    found: list[str] = []
    for rel in checkout_files(repo_root):
        parts = rel.split("/")
        if os.path.splitext(parts[-1])[1] not in SOURCE_EXTENSIONS:
            continue
        if any(part in VENDORED_DIRS for part in parts[:-1]):
            continue
        if not include_tests and is_test_path(rel):
            continue
        if parts[-1].endswith((".min.js", ".bundle.js")):
            continue
        try:
            if os.path.getsize(repo_root / rel) > MAX_FILE_BYTES:
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
