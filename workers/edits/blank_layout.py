"""Blank lines in an edit placed by the blank-line rung: the file's layout between lines kept unchanged.

That rung found the place by ignoring blank lines, so the quote's blank lines are known to be wrong somewhere.
A model that dropped a blank line from its SEARCH but kept it in its REPLACE did not mean to add one, and one
that kept it in SEARCH but dropped it from REPLACE did not mean to remove one: in both cases the fix keeps the
file's blank lines. So, between two non-blank lines that the REPLACE carries over (unchanged or changed line
for line) from two neighbouring non-blank SEARCH lines, the file's own blank lines are used on both sides.
Blank lines around new lines are the model's own and are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from difflib import SequenceMatcher

from workers.edits.ladder import Match


def _partners(search_keys: list[str], replace_keys: list[str]) -> dict[int, int]:
    """Non-blank REPLACE line -> the non-blank SEARCH line it carries over (equal, or replaced 1 for 1)."""
    partner: dict[int, int] = {}
    matcher = SequenceMatcher(None, search_keys, replace_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            partner.update((j1 + k, i1 + k) for k in range(j2 - j1))
    return partner


def _blank_run(lines: Iterable[str]) -> int:
    return next((n for n, line in enumerate(lines) if line.strip()), 0)


def file_blank_layout(
    search: tuple[str, ...],
    replace: tuple[str, ...],
    file_lines: tuple[str, ...],
    match: Match,
    place: Callable[[tuple[str, ...], int, int, tuple[str, ...], int, int], int],
) -> tuple[tuple[str, ...], tuple[str, ...], Match]:
    """SEARCH and REPLACE with the file's blank lines between carried-over lines, and the match re-paired."""
    f_of = dict(match.pairs)
    q_idx = [i for i, line in enumerate(search) if line.strip() and i in f_of]
    r_idx = [j for j, line in enumerate(replace) if line.strip()]
    if len(q_idx) != sum(1 for line in search if line.strip()) or not q_idx or not r_idx:
        return search, replace, match

    def file_gap(k: int) -> tuple[str, ...]:
        return file_lines[f_of[q_idx[k]] + 1 : f_of[q_idx[k + 1]]]

    partner = _partners([search[q].strip() for q in q_idx], [replace[j].strip() for j in r_idx])
    # SEARCH gaps whose two sides the REPLACE keeps: the SEARCH gets the file's blank lines there.
    r_of = {a: m for m, a in partner.items()}
    kept = {a for a in r_of if a + 1 in r_of}
    new_search = list(search[: q_idx[0]])
    pairs: list[tuple[int, int]] = []
    for k, q in enumerate(q_idx):
        pairs.append((len(new_search), f_of[q]))
        new_search.append(search[q])
        if k + 1 == len(q_idx):
            break
        if k in kept:  # the file's blank lines, each paired, so the REPLACE's own say what stays
            gap_start = f_of[q] + 1
            for n, line in enumerate(file_gap(k)):
                pairs.append((len(new_search), gap_start + n))
                new_search.append(line)
        else:
            new_search.extend(search[q + 1 : q_idx[k + 1]])
    new_search.extend(search[q_idx[-1] + 1 :])

    new_replace = list(replace[: r_idx[0]])
    m = 0
    while m < len(r_idx):
        j = r_idx[m]
        new_replace.append(replace[j])
        if m + 1 == len(r_idx):
            break
        a, b = partner.get(m), partner.get(m + 1)
        if a is not None and b == a + 1:
            new_replace.extend(file_gap(a))
        elif a is not None and a + 1 in r_of and r_of[a + 1] > m + 1:
            # New lines between two kept lines: the blank lines the model wrote around them are the least
            # there will be, and the file's blank lines stay on the side the new lines leave them on.
            end = r_idx[r_of[a + 1]]
            region = replace[j + 1 : end]
            lead, trail = _blank_run(region), _blank_run(reversed(region))
            gap = file_gap(a)
            lo, hi = f_of[q_idx[a]] + 1, f_of[q_idx[a + 1]]
            # Which side is judged on the new lines themselves, by indentation, not by their blank lines.
            before = place(file_lines, lo, hi, replace, j + 1 + lead, end - trail) == hi
            blank = gap[0] if gap else ""
            new_replace.extend([blank] * max(lead, len(gap) if before else 0))
            new_replace.extend(region[lead : len(region) - trail])
            new_replace.extend([blank] * max(trail, 0 if before else len(gap)))
            m = r_of[a + 1]
            continue
        else:
            new_replace.extend(replace[j + 1 : r_idx[m + 1]])
        m += 1
    new_replace.extend(replace[r_idx[-1] + 1 :])
    return tuple(new_search), tuple(new_replace), Match(match.start, match.end, tuple(pairs), match.rung)
