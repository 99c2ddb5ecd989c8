"""Apply one SEARCH -> REPLACE pair to a file's lines: locate it on the ladder, or piece by piece when the
model elided unchanged lines with "..."."""

from __future__ import annotations

import re

from workers.edits.ladder import Match, find_quote, not_found
from workers.edits.merge import merge
from workers.edits.records import Refused

# A line that stands for "unchanged code here": "...", "# ...", "// ... existing code ...", "/* ... */".
# A line of real code that is only "..." (a Python stub body) is caught by the exact rung first.
ELISION = re.compile(
    r"^\s*(?:#|//|/\*+|--|<!--|;)?\s*(?:\.\.\.|…)\s*[A-Za-z ,'()-]{0,60}?\s*(?:\.\.\.|…)?\s*(?:\*/|-->)?\s*$"
)


def is_elision(line: str) -> bool:
    return bool(ELISION.match(line))


def _split(lines: tuple[str, ...]) -> list[tuple[str, ...]]:
    pieces: list[list[str]] = [[]]
    for line in lines:
        if is_elision(line):
            pieces.append([])
        else:
            pieces[-1].append(line)
    return [tuple(p) for p in pieces]


def apply_replace(
    file_lines: tuple[str, ...], search: tuple[str, ...], replace: tuple[str, ...]
) -> tuple[tuple[str, ...], str]:
    """The file's new lines and the rung that placed the edit; Refused if no single place fits."""
    try:
        match = find_quote(file_lines, search, allow_fuzzy=not any(is_elision(s) for s in search))
    except Refused as refusal:
        _check_already_applied(file_lines, search, replace, refusal)
        if not any(is_elision(line) for line in search):
            raise
        try:
            return _apply_elided(file_lines, search, replace), "elision"
        except Refused as elided:
            raise elided from refusal
    new = merge(search, replace, file_lines, match)
    return file_lines[: match.start] + tuple(new) + file_lines[match.end :], match.rung


def _check_already_applied(
    file_lines: tuple[str, ...], search: tuple[str, ...], replace: tuple[str, ...], refusal: Refused
) -> None:
    """A quote that is missing because its replacement is already there gets a message saying so."""
    new_lines = {line.strip() for line in replace if line.strip()} - {line.strip() for line in search}
    if not new_lines or any(is_elision(line) for line in replace) or "not found" not in refusal.reason:
        return
    try:
        done = find_quote(file_lines, replace, allow_fuzzy=False)
    except Refused:
        return
    raise Refused(
        "the quoted lines are not in the file, but the replacement lines already are "
        f"(lines {done.start + 1}-{done.end}); the change looks applied already. "
        "Quote the file's current lines",
        refusal.nearest,
    )


def _apply_elided(
    file_lines: tuple[str, ...], search: tuple[str, ...], replace: tuple[str, ...]
) -> tuple[str, ...]:
    """Each piece between elisions must match exactly one place, in order; each is replaced by its twin."""
    s_pieces, r_pieces = _split(search), _split(replace)
    if len(s_pieces) != len(r_pieces):
        raise Refused(
            'the SEARCH and REPLACE texts elide unchanged lines ("...") in different places; use the '
            'same "..." lines in both, or quote the lines in full'
        )
    placed: list[tuple[Match, tuple[str, ...], tuple[str, ...]]] = []
    after = 0
    for s_piece, r_piece in zip(s_pieces, r_pieces, strict=True):
        if not any(line.strip() for line in s_piece):
            if any(line.strip() for line in r_piece):
                raise Refused(
                    'new lines sit next to a "..." elision with no quoted lines to place them by; '
                    "quote the lines around where they go"
                )
            continue
        match = find_quote(file_lines, s_piece, allow_fuzzy=False)
        if match.start < after:
            raise not_found(file_lines, search)
        placed.append((match, s_piece, r_piece))
        after = match.end
    if not placed:
        raise Refused('the SEARCH text holds only "..."; quote the lines to change')
    out: list[str] = []
    cur = 0
    for match, s_piece, r_piece in placed:
        out.extend(file_lines[cur : match.start])
        out.extend(merge(s_piece, r_piece, file_lines, match))
        cur = match.end
    out.extend(file_lines[cur:])
    return tuple(out)
