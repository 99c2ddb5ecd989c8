"""Every real file path round-trips through every way a model names a file before an edit.

The paths are the files of the corpora themselves and the files that the real upstream patches in BugsInPy and
SWE-bench Lite touch (thousands of real repository paths), plus names that begin with a label word ("in",
"file", "edit", "path", "update", "create"), which a loose label stripper used to cut short.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache

import pytest

from tests.conftest import CORPORA
from workers.edits import parse_answer
from workers.edits.answer_text import path_from_line

HOSTILE = [
    "inflection/__init__.py",
    "filelock/__init__.py",
    "editor.py",
    "pathlib2/__init__.py",
    "index.js",
    "include/config.h",
    "in.py",
    "file.py",
    "filename.txt",
    "files/a.py",
    "path/to/x.py",
    "paths.py",
    "edits/apply.py",
    "update.py",
    "updated/x.py",
    "updates.json",
    "modified.py",
    "new_file.py",
    "newfile.py",
    "create.py",
    "created/x.py",
    "input.py",
    "src/in/x.py",
    "Makefile",
    "Dockerfile",
]
_DIFF_HEADER = re.compile(r"^(?:\+\+\+ b/|--- a/)(\S+)", re.MULTILINE)


@cache
def real_paths() -> list[str]:
    paths = {p.relative_to(CORPORA).as_posix() for p in CORPORA.rglob("*") if p.is_file()}
    for patch in (CORPORA / "bugsinpy" / "projects").rglob("bug_patch.txt"):
        paths.update(_DIFF_HEADER.findall(patch.read_text(errors="replace")))
    for name in ("lite_test.jsonl", "lite_dev.jsonl"):
        for line in (CORPORA / "swebench-lite" / name).read_text().splitlines():
            task = json.loads(line)
            paths.update(_DIFF_HEADER.findall(task["patch"] + task["test_patch"]))
    return sorted(paths) + HOSTILE


BLOCK = "<<<<<<< SEARCH\n    x = 1\n=======\n    x = 2\n>>>>>>> REPLACE\n"
SHAPES: dict[str, Callable[[str], str]] = {
    "bare line before fenced block": lambda p: f"Fix:\n\n{p}\n```python\n{BLOCK}```\n",
    "bare line before unfenced block": lambda p: f"{p}\n{BLOCK}",
    "File: label": lambda p: f"File: {p}\n```\n{BLOCK}```\n",
    "Path: label, no space": lambda p: f"Path:{p}\n```\n{BLOCK}```\n",
    "### Filename: heading": lambda p: f"### Filename: {p}\n\n```python\n{BLOCK}```\n",
    "Updated label, no colon": lambda p: f"Updated {p}\n```\n{BLOCK}```\n",
    "new file: label": lambda p: f"new file: {p}\n{BLOCK}",
    "In `backticks`:": lambda p: f"In `{p}`:\n```python\n{BLOCK}```\n",
    "**bold backticks**": lambda p: f"**`{p}`**\n```\n{BLOCK}```\n",
    "bold": lambda p: f"**{p}**\n```\n{BLOCK}```\n",
    "fence info lang:path": lambda p: f"```python:{p}\n{BLOCK}```\n",
    "fence info path only": lambda p: f"```{p}\n{BLOCK}```\n",
    "fence info title=": lambda p: f'```python title="{p}"\n{BLOCK}```\n',
    # The a/ b/ prefixes stay on the raw path; resolve_path takes them off against the repository's files.
    "diff headers": lambda p: f"```diff\n--- a/{p}\n+++ b/{p}\n@@ -1 +1 @@\n-    x = 1\n+    x = 2\n```\n",
    "diff headers, no prefixes": lambda p: f"--- {p}\n+++ {p}\n@@ -1 +1 @@\n-    x = 1\n+    x = 2\n",
    "path line before headerless hunk": lambda p: f"{p}\n```diff\n@@ -1 +1 @@\n-    x = 1\n+    x = 2\n```\n",
}


def test_the_corpora_give_thousands_of_real_paths() -> None:
    paths = real_paths()
    assert len(paths) > 3000
    assert "thefuck/rules/git_push.py" in paths or any(p.startswith("thefuck/") for p in paths)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_path_round_trips(shape: str) -> None:
    render = SHAPES[shape]
    wrong = {}
    for path in real_paths():
        edits = parse_answer(render(path)).edits
        got = [e.raw_path for e in edits]
        want = "b/" + path if shape == "diff headers" else path
        if got != [want]:
            wrong[path] = got
    assert not wrong, f"{len(wrong)} paths misread, e.g. {list(wrong.items())[:5]}"


@pytest.mark.parametrize("path", HOSTILE)
def test_label_words_inside_names_are_kept(path: str) -> None:
    assert path_from_line(path) == path
    assert path_from_line(f"File: {path}") == path
    assert path_from_line(f"in {path}") == path


def test_labels_still_come_off() -> None:
    assert path_from_line("In: src/x.py") == "src/x.py"
    assert path_from_line("Edit src/x.py") == "src/x.py"
    assert path_from_line("Create: inflection/new.py") == "inflection/new.py"
    assert path_from_line("new file:  include/x.h") == "include/x.h"
    assert path_from_line("Here is the fix:") is None
