"""Each rung of the application ladder, and each refusal, on real buggy programs from the corpora."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CORPORA
from workers.edits.records import Refused
from workers.edits.replace import apply_replace
from workers.edits.textfile import TextFile


def quix(name: str) -> tuple[str, ...]:
    return TextFile.from_text((CORPORA / "quixbugs" / "python_programs" / name).read_text()).lines


def humaneval(lang: str, number: int) -> tuple[str, ...]:
    path = CORPORA / "humanevalfix" / "data" / lang / "humanevalpack.jsonl"
    row = json.loads(path.read_text().splitlines()[number])
    return TextFile.from_text(row["prompt"] + row["buggy_solution"]).lines


def lines(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n"))


SEARCH = lines("    else:\n        return gcd(a % b, b)")
REPLACE = lines("    else:\n        return gcd(b, a % b)")


def test_exact() -> None:
    new, rung = apply_replace(quix("gcd.py"), SEARCH, REPLACE)
    assert rung == "exact"
    assert new[:5] == lines(
        "def gcd(a, b):\n    if b == 0:\n        return a\n    else:\n        return gcd(b, a % b)"
    )


def test_trailing_whitespace_ignored_and_not_copied() -> None:
    new, rung = apply_replace(
        quix("gcd.py"), tuple(s + "  " for s in SEARCH), tuple(r + "  " for r in REPLACE)
    )
    assert rung == "trailing_whitespace"
    assert new[4] == "        return gcd(b, a % b)"


def test_uniform_indentation_shift_reindents_the_replacement() -> None:
    # The model quoted the method body at the left margin.
    search = lines("if b == 0:\n    return a\nelse:\n    return gcd(a % b, b)")
    replace = lines("if b == 0:\n    return a\nelse:\n    return gcd(b, a % b)")
    new, rung = apply_replace(quix("gcd.py"), search, replace)
    assert rung == "indentation"
    assert new[4] == "        return gcd(b, a % b)"


def test_blank_line_differences() -> None:
    file = quix("shunting_yard.py")
    # The real file has a blank line between the for loop and "while opstack:"; the quote leaves it out.
    search = lines(
        "                rpntokens.append(opstack.pop())\n"
        "    while opstack:\n        rpntokens.append(opstack.pop())"
    )
    replace = lines(
        "                rpntokens.append(opstack.pop())\n            opstack.append(token)\n"
        "    while opstack:\n        rpntokens.append(opstack.pop())"
    )
    new, rung = apply_replace(file, search, replace)
    assert rung == "blank_lines"
    at = new.index("            opstack.append(token)")
    assert new[at - 1].strip() == "rpntokens.append(opstack.pop())" and new[at + 1] == ""


def test_elided_unchanged_lines_each_piece_placed() -> None:
    file = quix("breadth_first_search.py")
    search = lines("    queue = Queue()\n...\n    while True:\n        node = queue.popleft()")
    replace = lines("    queue = Queue()\n...\n    while queue:\n        node = queue.popleft()")
    new, rung = apply_replace(file, search, replace)
    assert rung == "elision"
    assert "    while queue:" in new and "    while True:" not in new
    assert len(new) == len(file)


def test_fuzzy_match_keeps_the_files_real_context_line() -> None:
    file = humaneval("python", 0)
    at = file.index("                distance = elem - elem2")
    # The model misremembers a context line ("nums" for "numbers") but the change itself is clear.
    search = (
        "    for idx, elem in enumerate(numbers):",
        "        for idx2, elem2 in enumerate(nums):",
        "            if idx != idx2:",
        "                distance = elem - elem2",
        "                if distance < threshold:",
    )
    replace = (*search[:3], "                distance = abs(elem - elem2)", search[4])
    new, rung = apply_replace(file, search, replace)
    assert rung == "fuzzy"
    assert new[at] == "                distance = abs(elem - elem2)"
    assert new[at - 2] == "        for idx2, elem2 in enumerate(numbers):"  # the real line, not the model's
    assert len(new) == len(file)


def test_two_places_are_refused_as_ambiguous() -> None:
    file = quix("gcd.py") + quix("gcd.py")
    with pytest.raises(Refused) as refused:
        apply_replace(file, SEARCH, REPLACE)
    assert "2 places" in refused.value.reason
    assert "5 |         return gcd(a % b, b)" in refused.value.nearest


def test_ambiguous_after_relaxation_is_refused_too() -> None:
    # Same code at two indentation levels: neither exact, both equal once indentation is ignored.
    file = lines("def f():\n    x = 1\n    y = 2\nclass C:\n    def f():\n        x = 1\n        y = 2")
    with pytest.raises(Refused, match="2 places"):
        apply_replace(file, lines("  x = 1\n  y = 2"), lines("  x = 1\n  y = 3"))


def test_missing_context_is_refused_with_the_closest_lines() -> None:
    file = quix("quicksort.py")
    search = lines("    pivot = arr[0]\n    lesser = quicksort([x for x in arr[1:] if x <= pivot])")
    with pytest.raises(Refused) as refused:
        apply_replace(file, search, lines("    pivot = arr[0]"))
    assert "not found" in refused.value.reason and "closest lines are" in refused.value.reason
    assert "lesser = quicksort([x for x in arr[1:] if x < pivot])" in refused.value.nearest


def test_context_from_another_program_is_refused() -> None:
    search = quix("gcd.py")[:5]
    with pytest.raises(Refused, match="not found"):
        apply_replace(humaneval("go", 5), search, search[:4])


def test_quote_with_lines_the_file_does_not_have_between_changes_is_refused() -> None:
    # Fuzzy placement must not delete real lines the model never saw.
    file = lines("a = 1\nb = 2\nsecret = keep()\nc = 3\nd = 4\ne = 5")
    with pytest.raises(Refused):
        apply_replace(file, lines("a = 1\nb = 2\nc = 3\nd = 4"), lines("a = 1\nB = 2\nC = 3\nd = 4"))


def test_tree_sitter_languages_indentation_rung() -> None:
    file = humaneval("java", 0)
    target = next(line for line in file if "distance < threshold" in line)
    search = (target.strip(),)
    new, rung = apply_replace(file, search, (target.strip().replace("<", "<="),))
    assert rung == "indentation"
    assert target.replace("<", "<=") in new


def test_fuzzy_with_two_equally_close_places_is_refused() -> None:
    file = humaneval("python", 0) + humaneval("python", 0)
    search = (
        "    for idx, elem in enumerate(numbers):",
        "        for idx2, elem2 in enumerate(nums):",
        "            if idx != idx2:",
        "                distance = elem - elem2",
    )
    with pytest.raises(Refused, match=r"about\s+equally close"):
        apply_replace(file, search, (*search[:3], "                distance = abs(elem - elem2)"))


def test_change_already_in_the_file_is_named() -> None:
    fixed = TextFile.from_text(
        (CORPORA / "quixbugs" / "correct_python_programs" / "gcd.py").read_text()
    ).lines
    with pytest.raises(Refused, match="applied already") as refused:
        apply_replace(fixed, SEARCH, REPLACE)
    assert "return gcd(b, a % b)" in refused.value.nearest
