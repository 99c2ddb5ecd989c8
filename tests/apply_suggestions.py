"""Applying review suggestions the way GitHub's "Commit suggestion" does, for tests to check what the bot
offers: lines start_line..line of the head's file are replaced by the block's lines (none: deleted), each
keeping the line ending the file used there."""

from __future__ import annotations

import re
from typing import Any

_BLOCK = re.compile(r"^(`{3,})suggestion\n(.*?)^\1$", re.DOTALL | re.MULTILINE)


def block_of(markdown: str) -> str:
    """The text of the one suggestion block in a review comment's body."""
    found = _BLOCK.search(markdown)
    assert found, f"no suggestion block in {markdown!r}"
    return found.group(2).removesuffix("\n")


def apply_as_github(text: str, comments: list[dict[str, Any]]) -> str:
    """`comments` as the review's REST API shows them (line, start_line, body); applied bottom up."""
    lines = text.split("\n")
    spans = sorted(((c.get("start_line") or c["line"], c["line"], c["body"]) for c in comments), reverse=True)
    for start, end, body in spans:
        eol = "\r" if lines[start - 1].endswith("\r") else ""
        block = block_of(body)
        lines[start - 1 : end] = [f"{line}{eol}" for line in block.split("\n")] if block else []
    return "\n".join(lines)
