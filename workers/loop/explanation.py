"""The model's own account of the bug: the prose before its first edit. Pure logic."""

from __future__ import annotations

import re

# Lines that start an edit in any of the shapes the model uses.
_EDIT_START = re.compile(r"^(```|<<<<<<<|--- |\+\+\+ |diff --git|@@ )")
MAX_CHARS = 1200


def explanation_of(answer: str) -> str:
    lines: list[str] = []
    for line in answer.replace("\r\n", "\n").splitlines():
        if _EDIT_START.match(line.strip()):
            break
        lines.append(line)
    # A path line directly above a fence or SEARCH block belongs to the edit, not the prose.
    while lines and (not lines[-1].strip() or re.fullmatch(r"[\w./-]+\.\w+:?", lines[-1].strip())):
        lines.pop()
    text = "\n".join(lines).strip()
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"
