"""The blank-line rung keeps the file's blank lines: the result equals the intended fix byte for byte."""

from __future__ import annotations

import pytest

from workers.edits.records import Refused
from workers.edits.replace import apply_replace

FILE = (
    "import os\n\n\n"
    "def first(path):\n"
    "    name = os.path.basename(path)\n\n"
    "    return name.upper()\n\n\n"
    "def second(x):\n"
    "    return x + 1\n"
)


def _apply(file: str, search: str, replace: str) -> tuple[str, str]:
    """The file after the edit, and the rung of the ladder that applied it."""
    lines, rung = apply_replace(
        tuple(file.splitlines()), tuple(search.splitlines()), tuple(replace.splitlines())
    )
    return "\n".join(lines) + "\n", rung


# Blank lines that SEARCH or REPLACE misquote around FILE's: (SEARCH, REPLACE, intended file).
KEPT = {
    # SEARCH has one blank line between the two definitions where the file has two; REPLACE keeps two.
    "blank_missing_only_in_search_is_not_added_again": (
        "    return name.upper()\n\ndef second(x):\n    return x + 1\n",
        "    return name.upper()\n\n\ndef second(x):\n    return x - 1\n",
        FILE.replace("return x + 1", "return x - 1"),
    ),
    # SEARCH drops the blank line inside first() (on both sides) but quotes the two blank lines between the
    # definitions; REPLACE writes only one there. The fix changes a line, not the file's layout.
    "blank_missing_only_in_replace_is_not_removed": (
        "    name = os.path.basename(path)\n    return name.upper()\n\n\ndef second(x):\n    return x + 1\n",
        "    name = os.path.basename(path)\n    return name.lower()\n\ndef second(x):\n    return x + 1\n",
        FILE.replace("name.upper()", "name.lower()"),
    ),
    # A new definition inserted between the two: its own blank lines are the model's, the file's stay.
    "new_lines_keep_the_blank_lines_written_around_them": (
        "    return name.upper()\n\ndef second(x):\n",
        "    return name.upper()\n\n\ndef middle():\n    return 0\n\n\ndef second(x):\n",
        FILE.replace("def second", "def middle():\n    return 0\n\n\ndef second"),
    ),
    "blank_lines_inside_a_function_come_from_the_file": (
        "    name = os.path.basename(path)\n    return name.upper()\n",
        "    name = os.path.basename(path)\n\n    return name.title()\n",
        FILE.replace("name.upper()", "name.title()"),
    ),
    # The quote and the replacement both leave out the blank line inside first(): it stays.
    "blank_dropped_from_both_sides_stays_in_the_file": (
        "    name = os.path.basename(path)\n    return name.upper()\n",
        "    name = os.path.basename(path)\n    name = name.strip()\n    return name.upper()\n",
        FILE.replace("basename(path)\n", "basename(path)\n    name = name.strip()\n"),
    ),
}


@pytest.mark.parametrize("name", sorted(KEPT))
def test_the_files_blank_lines_are_kept(name: str) -> None:
    search, replace, intended = KEPT[name]
    assert _apply(FILE, search, replace) == (intended, "blank_lines")


# Shapes from edits_bench answers that were applied wrongly: (file, SEARCH, REPLACE, intended file).
# A line repeated next to the new or removed lines ("}") must pair with the copy whose blank lines agree,
# and a blank line written in place of removed lines stands for the file's, not an extra one.
GO = (
    "func f() bool {\n\tfor i := range a {\n\t\tif !ok(i) {\n\t\t\treturn false\n\t\t}\n\t}\n"
    "\treturn true\n}\n"
)
GO_LOOP = "\tfor i := range b {\n\t\tif !ok(i) {\n\t\t\treturn false\n\t\t}\n\t}\n"
COUNTS = (
    "\tfor _, i := range l {\n\t\tc[i] = 0\n\t}\n"
    "\tfor _, i := range l {\n\t\tif c[i] > 2 {\n\t\t\treturn false\n\t\t}\n"
)
SWAP = (
    "def xor(a, b):\n    def one(i, j):\n        if i == j:\n            return '1'\n        else:\n"
    "            return '0'\n\n    return ''.join(one(x, y) for x, y in zip(a, b))\n"
)
RUST_LET = "fn f(xs: &[f64]) -> f64 {\n\n    let mut driv = 0.0;\n    let mut ans = 0.0;\n    ans\n}\n"
FIB = (
    "fn fib(n: i32) -> i32 {\n    if n == 1{\n        return 1;\n    }\n    if n == 2{\n        return 2;\n"
    "    }\n\n    return fib(n-1) + fib(n-2);\n}\n"
)
ALIGNED = {
    # Go_54: the quote has a blank line the file lacks, on both sides; new lines follow the closing braces.
    "insert_after_repeated_braces": (
        GO,
        "\t\t\treturn false\n\n\t\t}\n\t}\n\treturn true\n}\n",
        "\t\t\treturn false\n\n\t\t}\n\t}\n" + GO_LOOP + "\treturn true\n}\n",
        GO.replace("\t}\n\treturn true", "\t}\n" + GO_LOOP + "\treturn true"),
    ),
    # Go_126: the same, with the quote's blank line right before the new lines.
    "quoted_blank_before_new_lines": (
        COUNTS,
        "\t\tc[i] = 0\n\n\t}\n\tfor _, i := range l {\n\t\tif c[i] > 2 {\n\t\t\treturn false\n\t\t}\n",
        "\t\tc[i] = 0\n\n\t}\n\tfor _, i := range l {\n\t\tc[i]++\n\t}\n\tfor _, i := range l {\n"
        "\t\tif c[i] > 2 {\n\t\t\treturn false\n\t\t}\n",
        COUNTS.replace("\t}\n", "\t}\n\tfor _, i := range l {\n\t\tc[i]++\n\t}\n", 1),
    ),
    # Python_11: two lines swapped; the blank line below them is left out of SEARCH only.
    "swapped_lines_blank_in_replace_only": (
        SWAP,
        "    def one(i, j):\n        if i == j:\n            return '1'\n        else:\n"
        "            return '0'\n    return ''.join(one(x, y) for x, y in zip(a, b))\n",
        "    def one(i, j):\n        if i == j:\n            return '0'\n        else:\n"
        "            return '1'\n\n    return ''.join(one(x, y) for x, y in zip(a, b))\n",
        SWAP.replace("'1'", "'t'").replace("'0'", "'1'").replace("'t'", "'0'"),
    ),
    # Rust_32: a line removed next to a blank line that SEARCH leaves out and REPLACE keeps.
    "removed_line_beside_blank_in_replace_only": (
        RUST_LET,
        "fn f(xs: &[f64]) -> f64 {\n    let mut driv = 0.0;\n    let mut ans = 0.0;\n",
        "fn f(xs: &[f64]) -> f64 {\n\n    let mut ans = 0.0;\n",
        RUST_LET.replace("    let mut driv = 0.0;\n", ""),
    ),
    # Rust_55: a block ending in "}" removed after another "}", with the blank line in REPLACE only.
    "removed_block_after_repeated_brace": (
        FIB,
        FIB.replace("\n\n", "\n").split("\n", 1)[1],
        "    if n == 1{\n        return 1;\n    }\n\n    return fib(n-1) + fib(n-2);\n}\n",
        FIB.replace("    if n == 2{\n        return 2;\n    }\n", ""),
    ),
}


@pytest.mark.parametrize("name", sorted(ALIGNED))
def test_blank_lines_follow_the_copy_of_a_line_they_belong_to(name: str) -> None:
    file, search, replace, intended = ALIGNED[name]
    assert _apply(file, search, replace) == (intended, "blank_lines")


def test_blank_beside_new_lines_that_may_be_the_files_is_refused() -> None:
    # Java_5 (both sides lost the file's blank line; the model added one after its new line) and Rust_64
    # (the model kept the file's blank line in REPLACE only) are this same answer with different intents.
    file = "        for (int x : xs) {\n            r.add(d);\n        }\n\n        return r;\n    }\n"
    search = "            r.add(d);\n        }\n        return r;\n    }\n"
    replace = "            r.add(d);\n        }\n        r.add(last);\n\n        return r;\n    }\n"
    with pytest.raises(Refused, match="ambiguous") as refusal:
        _apply(file, search, replace)
    assert "4 | " in refusal.value.nearest


def test_exact_quote_with_a_blank_added_to_replace_is_taken_literally() -> None:
    # A verbatim quote shows the model read the file as it is; a blank line its REPLACE adds beside the
    # file's own is an explicit change (it could be meant, and nothing tells it from a careless one), so
    # it is applied as written rather than guessed away.
    search = "    name = os.path.basename(path)\n"
    replace = "    name = os.path.basename(path)\n\n"
    assert _apply(FILE, search, replace) == (
        FILE.replace("basename(path)\n\n", "basename(path)\n\n\n"),
        "exact",
    )
