"""The bench's gold functions: each changed line's enclosing def, found in a release that may differ."""

from __future__ import annotations

from bench.gold_functions import gold_functions

BASE = """import os


class Parser:
    def parse(self, text):
        words = text.split()
        return words

    def render(self, words):
        return " ".join(words)


def helper(x):
    y = x + 1
    return y
"""

PATCH = """diff --git a/pkg/parse.py b/pkg/parse.py
--- a/pkg/parse.py
+++ b/pkg/parse.py
@@ -1,3 +1,4 @@
 import os
+import sys


@@ -5,7 +6,7 @@ class Parser:
     def parse(self, text):
-        words = text.split()
+        words = text.split(",")
         return words

     def render(self, words):
@@ -13,3 +14,3 @@ def helper(x):
 def helper(x):
-    y = x + 1
+    y = x - 1
     return y
"""


def test_each_changed_line_names_its_innermost_function() -> None:
    found, missing = gold_functions(PATCH, {"pkg/parse.py": BASE})
    # The import is module level: no function to name.
    assert found == {"pkg/parse.py::Parser.parse", "pkg/parse.py::helper"}
    assert missing == 0


def test_a_release_that_already_holds_the_fix_and_moved_the_code_still_lines_up() -> None:
    fixed = "# a newer release\n\n" + BASE.replace("text.split()", 'text.split(",")').replace(
        "x + 1", "x - 1"
    )
    found, missing = gold_functions(PATCH, {"pkg/parse.py": fixed})
    assert found == {"pkg/parse.py::Parser.parse", "pkg/parse.py::helper"}
    assert missing == 0


def test_hunks_absent_from_the_release_are_counted_not_guessed() -> None:
    found, missing = gold_functions(PATCH, {"pkg/parse.py": "completely = 'different'\n"})
    assert found == set()
    assert missing == 3
    assert gold_functions(PATCH, {}) == (set(), 3)


def test_malformed_patches_name_nothing() -> None:
    for patch in (
        "",
        "not a diff at all",
        "diff --git a/x.py b/x.py\n@@ garbage @@\n-x\n",
        "@@ -1 +1 @@\n-a\n+b\n",
    ):
        found, _ = gold_functions(patch, {"x.py": "def f():\n    return 1\n"})
        assert found == set()
