"""The edit formats the repair prompt can ask for: small registered classes, each paired with its prompt text.

Which one is asked for changes only the instructions; parsing reads every format, since models drift.
"""

from __future__ import annotations

from typing import ClassVar

from core.settings import EDIT_FORMAT_NAMES
from inference import edit_prompts


class EditFormat:
    """A way of writing edits. Contract: `name` is unique; `instructions()` is the prompt text, worked
    example included, that tells the model how to write edits in this format."""

    name: ClassVar[str]
    prompt: ClassVar[str]

    def instructions(self) -> str:
        return self.prompt


class SearchReplaceFormat(EditFormat):
    name = "search_replace"
    prompt = edit_prompts.SEARCH_REPLACE


class UnifiedDiffFormat(EditFormat):
    name = "unified_diff"
    prompt = edit_prompts.UNIFIED_DIFF


class WholeFileFormat(EditFormat):
    name = "whole_file"
    prompt = edit_prompts.WHOLE_FILE


def registry(*classes: type[EditFormat]) -> dict[str, type[EditFormat]]:
    """The formats by name, which must be the names EDIT_FORMAT accepts (core/settings.py): a format
    registered without its name there could never be chosen, and a name without a format would pass the
    settings only to fail in the first job."""
    by_name = {cls.name: cls for cls in classes}
    if sorted(by_name) != sorted(EDIT_FORMAT_NAMES):
        raise RuntimeError(
            f"edit formats registered ({', '.join(sorted(by_name))}) differ from EditFormatName in "
            f"core/settings.py ({', '.join(sorted(EDIT_FORMAT_NAMES))}); change both together"
        )
    return by_name


EDIT_FORMATS = registry(SearchReplaceFormat, UnifiedDiffFormat, WholeFileFormat)

SOURCE_LABELS = {
    "search_replace": "SEARCH/REPLACE block",
    "unified_diff": "diff hunk",
    "whole_file": "whole file",
}


def get_format(name: str) -> EditFormat:
    """The format called `name`; an unknown name raises ValueError listing the valid ones."""
    try:
        return EDIT_FORMATS[name]()
    except KeyError:
        valid = ", ".join(sorted(EDIT_FORMATS))
        raise ValueError(f"unknown edit format {name!r}; valid formats are: {valid}") from None
