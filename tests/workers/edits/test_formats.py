"""The edit formats: registry, prompt text, and each format's own worked example applied to the real file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.edits import EDIT_FORMATS, EditPolicy, apply_answer, get_format


def test_registry_names() -> None:
    assert set(EDIT_FORMATS) == {"search_replace", "unified_diff", "whole_file"}
    for name in EDIT_FORMATS:
        assert get_format(name).name == name


def test_unknown_format_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="search_replace, unified_diff, whole_file"):
        get_format("udiff-simple")


@pytest.mark.parametrize("name", sorted(EDIT_FORMATS))
def test_worked_example_applies_to_the_real_quixbugs_file(name: str, tmp_path: Path) -> None:
    """Each format's example is the real gcd fix; applied to QuixBugs' buggy gcd.py it yields the fix."""
    (tmp_path / "python_programs").mkdir()
    target = tmp_path / "python_programs" / "gcd.py"
    shutil.copy(CORPORA / "quixbugs" / "python_programs" / "gcd.py", target)
    instructions = get_format(name).instructions()
    example = instructions[instructions.index("Example:") + len("Example:") :]
    if name == "whole_file":
        # The example shows only the function; as a whole file it stands for the fixed program without
        # its docstring, which the excerpt guard rightly refuses. Apply it to the function alone.
        target.write_text(re.sub(r'\n+"""[\s\S]*$', "\n", target.read_text()))
    report = apply_answer(tmp_path, example, EditPolicy())
    assert report.ok, report.feedback
    assert "        return gcd(b, a % b)" in target.read_text()
    assert "gcd(a % b, b)" not in target.read_text()
