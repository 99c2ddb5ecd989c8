"""What an answer may be before any of it is parsed: bounded in size, and text a file can hold.

A model that loops writes the same lines until its token budget runs out; an `apply --answer` file may be
anything. Past the cap, or with characters no source file should get (NUL, a lone surrogate, which cannot
even be written as UTF-8), the answer is refused as a whole with one reason the model can act on.
"""

from __future__ import annotations

import re

# 256 KiB of characters: far beyond any real edit answer (the longest SWE-bench Lite gold patch is ~25k).
MAX_ANSWER_CHARS = 262_144
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def answer_problem(answer: str, limit: int = MAX_ANSWER_CHARS) -> str | None:
    """Why the answer is refused before parsing, or None when it may be parsed."""
    if len(answer) > limit:
        return (
            f"the answer is {len(answer):,} characters, more than the limit of {limit:,}; "
            "send only the edits, as SEARCH/REPLACE blocks quoting just the lines that change"
        )
    nul = answer.find("\0")
    if nul >= 0:
        line = answer.count("\n", 0, nul) + 1
        return f"the answer contains a NUL character (line {line}); source files are text, write no NUL bytes"
    surrogate = _LONE_SURROGATE.search(answer)
    if surrogate:
        line = answer.count("\n", 0, surrogate.start()) + 1
        return (
            f"the answer contains a lone surrogate U+{ord(surrogate.group()):04X} (line {line}), which is "
            "not valid text; write the characters themselves"
        )
    return None
