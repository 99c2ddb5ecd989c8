"""Blank lines in an edit placed by the blank-line rung: the file's layout between lines kept unchanged.

That rung found the place by ignoring blank lines, so the quote's blank lines are known to be wrong somewhere.
A model that dropped a blank line from its SEARCH but kept it in its REPLACE did not mean to add one, and one
that kept it in SEARCH but dropped it from REPLACE did not mean to remove one: in both cases the fix keeps the
file's blank lines. So, between two non-blank lines that the REPLACE carries over (unchanged or changed line
for line) from two neighbouring non-blank SEARCH lines, the file's own blank lines are used on both sides.
Blank lines around new lines are the model's own and are kept, and blank lines written where lines were
removed stand for the file's there. Which REPLACE line carries over which SEARCH line is decided with the
quote's and the file's blank lines in view, so a repeated line ("}") pairs with the right copy. Where the
model's blank lines beside new lines could equally be the file's, moved, or extra ones, the edit is refused:
the model can quote the lines exactly, while a wrong guess would silently damage the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from difflib import SequenceMatcher

from workers.edits.fuzzy import numbered
from workers.edits.ladder import Match
from workers.edits.records import Refused


def _partners(
    search_keys: list[str], replace_keys: list[str], quoted: set[int]
) -> tuple[dict[int, int], set[int]]:
    """REPLACE line -> the SEARCH line it carries over (equal, or its non-blank lines replaced 1 for 1),
    and the REPLACE blank lines that align with a blank line the quote itself has (blank keys are "")."""
    partner: dict[int, int] = {}
    blanks: set[int] = set()
    matcher = SequenceMatcher(None, search_keys, replace_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag not in ("equal", "replace"):
            continue
        s_lines = [i for i in range(i1, i2) if search_keys[i]]
        r_lines = [j for j in range(j1, j2) if replace_keys[j]]
        if tag == "equal":
            blanks.update(j for j in range(j1, j2) if not replace_keys[j] and i1 + j - j1 in quoted)
        if tag == "equal" or len(s_lines) == len(r_lines):
            partner.update(zip(r_lines, s_lines, strict=True))
    return partner, blanks


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

    def quoted_gap(k: int) -> int:
        return sum(1 for line in search[q_idx[k] + 1 : q_idx[k + 1]] if not line.strip())

    # Aligned with blank lines where the quote or the file has them (whichever has more), so that a
    # repeated line ("}") next to new or removed lines pairs with the copy whose blank lines agree.
    layout: list[str] = []
    ordinal: dict[int, int] = {}
    quoted_at: set[int] = set()
    for k, q in enumerate(q_idx):
        ordinal[len(layout)] = k
        layout.append(search[q].strip())
        if k + 1 < len(q_idx):
            quoted = quoted_gap(k)
            quoted_at.update(range(len(layout), len(layout) + quoted))
            layout.extend([""] * max(quoted, len(file_gap(k))))
    r_ordinal = {j: m for m, j in enumerate(r_idx)}
    aligned, quoted_blanks = _partners(layout, [line.strip() for line in replace], quoted_at)
    partner = {r_ordinal[j]: ordinal[u] for j, u in aligned.items()}
    # SEARCH gaps whose two sides the REPLACE keeps: the SEARCH gets the file's blank lines there.
    r_of = {a: m for m, a in partner.items()}
    kept = {a for a in r_of if a + 1 in r_of}
    # Lines removed between two kept lines, with blank lines written in their place: those stand for the
    # file's blank lines of that stretch (quoted here, so the REPLACE's say what is left), not extra ones.
    removed: dict[int, list[str]] = {}
    for m in range(len(r_idx) - 1):
        a, b, written = partner.get(m), partner.get(m + 1), r_idx[m + 1] - r_idx[m] - 1
        if a is not None and b is not None and b > a + 1 and written:
            blank = next(iter(file_gap(a) + file_gap(b - 1)), "")
            removed[m] = [blank] * max(written, len(file_gap(a)), len(file_gap(b - 1)))
            kept.update(range(a, b))
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
        elif m in removed:
            # The gap left is at least the model's and at least the file's on either side of what went.
            new_replace.extend(removed[m])
        elif a is not None and a + 1 in r_of and r_of[a + 1] > m + 1:
            # New lines between two kept lines: the blank lines the model wrote around them are the least
            # there will be, and the file's blank lines stay on the side the new lines leave them on.
            end = r_idx[r_of[a + 1]]
            region = replace[j + 1 : end]
            lead, trail = _blank_run(region), _blank_run(reversed(region))
            # Blank lines that align with the quote's own blank lines of this gap are that gap's, not
            # the model's own: they say which side the file's blank lines are on, and the file
            # says how many there are.
            quoted_lead = sum(1 for n in range(lead) if j + 1 + n in quoted_blanks)
            quoted_trail = sum(1 for n in range(trail) if end - 1 - n in quoted_blanks)
            own_lead, own_trail = lead - quoted_lead, trail - quoted_trail
            gap = file_gap(a)
            lo, hi = f_of[q_idx[a]] + 1, f_of[q_idx[a + 1]]
            if bool(quoted_lead) != bool(quoted_trail):
                before = bool(quoted_lead)
            else:
                # Judged on the new lines themselves, by indentation, not by their blank lines.
                before = place(file_lines, lo, hi, replace, j + 1 + lead, end - trail) == hi
                own_side = own_lead if before else own_trail
                if gap and len(gap) > quoted_gap(a) and own_side and not (own_lead and own_trail):
                    # The quote left out the file's blank lines, and the model wrote blank lines only on
                    # the side where the file's go: they may be the file's, moved, or new ones beside
                    # them (and the file's on the other side). Both happen; neither can be told.
                    raise Refused(
                        f"the file has {len(gap)} blank line(s) after line {lo}, where the new lines go, "
                        "that the quote leaves out, so which side of them the new lines go on is "
                        "ambiguous; quote the lines with their blank lines exactly as in the file",
                        numbered(file_lines, lo - 1, hi + 1, context=0),
                    )
            blank = gap[0] if gap else ""
            new_replace.extend([blank] * max(own_lead, len(gap) if before else 0))
            new_replace.extend(region[lead : len(region) - trail])
            new_replace.extend([blank] * max(own_trail, 0 if before else len(gap)))
            m = r_of[a + 1]
            continue
        else:
            new_replace.extend(replace[j + 1 : r_idx[m + 1]])
        m += 1
    new_replace.extend(replace[r_idx[-1] + 1 :])
    return tuple(new_search), tuple(new_replace), Match(match.start, match.end, tuple(pairs), match.rung)
