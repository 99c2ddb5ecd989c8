"""The edit formats: registry, prompt text, and each format's own worked example applied to the real file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.exits import settings_problem
from core.settings import EDIT_FORMAT_NAMES, Settings
from tests.conftest import CORPORA
from workers.edits import EDIT_FORMATS, EditFormat, EditPolicy, apply_answer, get_format
from workers.edits.formats import registry


def test_registry_names() -> None:
    assert set(EDIT_FORMATS) == {"search_replace", "unified_diff", "whole_file"}
    for name in EDIT_FORMATS:
        assert get_format(name).name == name


def test_unknown_format_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="search_replace, unified_diff, whole_file"):
        get_format("udiff-simple")


def test_the_registry_holds_exactly_the_names_edit_format_accepts() -> None:
    assert sorted(EDIT_FORMATS) == sorted(EDIT_FORMAT_NAMES)

    class Patch(EditFormat):
        name = "patch"
        prompt = "Write a patch."

    every = r"registered \(patch, search_replace, unified_diff, whole_file\) differ"
    with pytest.raises(RuntimeError, match=every):
        registry(*EDIT_FORMATS.values(), Patch)
    with pytest.raises(RuntimeError, match=r"registered \(search_replace, unified_diff\) differ"):
        registry(*(cls for cls in EDIT_FORMATS.values() if cls.name != "whole_file"))


def test_an_unknown_edit_format_setting_is_one_line_naming_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDIT_FORMAT", "udiff-simple")
    with pytest.raises(ValidationError) as refused:
        Settings()
    line = settings_problem(refused.value)
    assert "\n" not in line and line.startswith("invalid setting(s): EDIT_FORMAT: "), line
    assert all(f"'{name}'" in line for name in EDIT_FORMATS), line


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
