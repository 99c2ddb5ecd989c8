"""The blank-line rung keeps the file's blank lines: the result equals the intended fix byte for byte."""

from __future__ import annotations

from workers.edits.replace import apply_replace

FILE = (
    "import os\n\n\n"
    "def first(path):\n"
    "    name = os.path.basename(path)\n\n"
    "    return name.upper()\n\n\n"
    "def second(x):\n"
    "    return x + 1\n"
)


def _apply(search: str, replace: str) -> tuple[str, str]:
    lines, rung = apply_replace(
        tuple(FILE.splitlines()), tuple(search.splitlines()), tuple(replace.splitlines())
    )
    return "\n".join(lines) + "\n", rung


def test_blank_missing_only_in_search_is_not_added_again() -> None:
    # SEARCH has one blank line between the two definitions where the file has two; REPLACE keeps two.
    search = "    return name.upper()\n\ndef second(x):\n    return x + 1\n"
    replace = "    return name.upper()\n\n\ndef second(x):\n    return x - 1\n"
    result, rung = _apply(search, replace)
    assert rung == "blank_lines"
    assert result == FILE.replace("return x + 1", "return x - 1")


def test_blank_missing_only_in_replace_is_not_removed() -> None:
    # SEARCH drops the blank line inside first() (on both sides) but quotes the two blank lines between the
    # definitions; REPLACE writes only one there. The fix changes a line, not the file's layout.
    search = (
        "    name = os.path.basename(path)\n    return name.upper()\n\n\ndef second(x):\n    return x + 1\n"
    )
    replace = (
        "    name = os.path.basename(path)\n    return name.lower()\n\ndef second(x):\n    return x + 1\n"
    )
    result, rung = _apply(search, replace)
    assert rung == "blank_lines"
    assert result == FILE.replace("name.upper()", "name.lower()")


def test_new_lines_keep_the_blank_lines_written_around_them() -> None:
    # A new definition inserted between the two: its own blank lines are the model's, the file's stay.
    search = "    return name.upper()\n\ndef second(x):\n"
    replace = "    return name.upper()\n\n\ndef middle():\n    return 0\n\n\ndef second(x):\n"
    result, rung = _apply(search, replace)
    assert rung == "blank_lines"
    assert result == FILE.replace("def second", "def middle():\n    return 0\n\n\ndef second")


def test_blank_lines_inside_a_function_come_from_the_file() -> None:
    search = "    name = os.path.basename(path)\n    return name.upper()\n"
    replace = "    name = os.path.basename(path)\n\n    return name.title()\n"
    result, rung = _apply(search, replace)
    assert rung == "blank_lines"
    assert result == FILE.replace("name.upper()", "name.title()")


def test_blank_dropped_from_both_sides_stays_in_the_file() -> None:
    # The quote and the replacement both leave out the blank line inside first(): it stays.
    search = "    name = os.path.basename(path)\n    return name.upper()\n"
    replace = "    name = os.path.basename(path)\n    name = name.strip()\n    return name.upper()\n"
    result, rung = _apply(search, replace)
    assert rung == "blank_lines"
    assert result == FILE.replace("basename(path)\n", "basename(path)\n    name = name.strip()\n")
