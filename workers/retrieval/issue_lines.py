"""Code written into an issue's prose without fences or backticks, and the names the reporter's code defines.

Django's tracker (and many mailing-list style reports) quotes code as plain lines: `URLField().clean(x)`, a
model class with its fields, an `In [3]:` prompt. Markdown spans never see them, so each line is judged on
its own by its shape: a statement keyword, an assignment, or a call that ends the line, with no run of plain
words outside its string literals. Pure text work, one pass, capped like issue_spans.
"""

from __future__ import annotations

import re

MAX_LINE = 400
MAX_LINES = 500
# Plain words in a row that make a line prose ("the query is ordered ASC but"); code has at most a few
# (`for item in items`, `x is not None`).
PROSE_RUN = 4

_STRING = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_PROMPT = re.compile(r"^(?:>>>|\.\.\.|In \[\d+\]:|Out\[\d+\]:)\s?")
_STATEMENT = re.compile(
    r"^(?:(?:async\s+)?def\s+\w+\s*\(|class\s+\w+\s*[(:]|(?:from\s+[\w.]+\s+)?import\s+[\w., ]+$|@[\w.]+"
    r"|(?:if|elif|while|with|for|except|else|try|finally)\b.*:$|(?:return|raise|yield|assert|print)\b\W)"
)
_ASSIGNMENT = re.compile(r"^[\w.\[\]'\"]+(?:\s*,\s*[\w.]+)*\s*[-+*/|&]?=(?!=)\s*\S")
# `f(...)` with no space before the parenthesis ("Environment (OSX 10.11):" is prose), ending as code ends.
_CALL_ENDING = re.compile(r"\w\(.*[)\]}:,(\[{\\]$")
_WORD_RUN = re.compile(rf"(?:\b[A-Za-z]+ +){{{PROSE_RUN - 1},}}[A-Za-z]+\b")
_DEFINED = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.M)
# A line ending in a comma is a keyword argument of a call split over lines (`null=True,`), not a binding.
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(?!.*,\s*$)", re.M)


def is_code_line(line: str) -> bool:
    """Whether one line of prose is code by its shape (see the module docstring)."""
    stripped = _PROMPT.sub("", line.strip())
    if not stripped or len(stripped) > MAX_LINE:
        return False
    # A trailing comment is prose inside code: it must not make the line prose.
    code = _STRING.sub("''", stripped)
    code = code.split(" #", 1)[0].rstrip()
    if not code or _WORD_RUN.search(code):
        return False
    return bool(_STATEMENT.match(code) or _ASSIGNMENT.match(code) or _CALL_ENDING.search(code))


def code_lines(text: str) -> list[str]:
    """The lines of `text` (already bounded by the caller) that are code by their shape, in order, at most
    MAX_LINES of them."""
    found: list[str] = []
    for line in text.split("\n"):
        if is_code_line(line):
            found.append(line.strip())
            if len(found) >= MAX_LINES:
                break
    return found


def reporter_definitions(code: str) -> dict[str, str]:
    """Names the issue's own code defines (`class Article(models.Model)`, `def clean(self)`, `qs = ...`), each
    with its defining line (stripped): the reporter's model, helper or variable, which says what they built,
    not where the project is wrong, unless the line is the project's own, quoted (see signals.py)."""
    found: dict[str, str] = {}
    for pattern in (_DEFINED, _ASSIGNED):
        for match in pattern.finditer(code):
            end = code.find("\n", match.end())
            found.setdefault(match.group(1), code[match.start() : end if end >= 0 else None].strip())
    return found
