"""Turn a located SEARCH -> REPLACE into new file lines, keeping the file's real lines wherever the edit
did not mean to change them.

The quote and the file may differ (indentation, blank lines, trailing spaces, a mistyped context line).
The model's change is the difference between its SEARCH and its REPLACE; that difference is replayed on the
real lines: unchanged stretches keep the file's text, changed stretches take the REPLACE lines re-indented
to the file's indentation.
"""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher

from workers.edits.blank_layout import file_blank_layout
from workers.edits.fuzzy import CHANGED_LINE_SIMILARITY, similarity
from workers.edits.ladder import Match, uniform_shift
from workers.edits.records import Refused


def _shift(search: tuple[str, ...], file_lines: tuple[str, ...], match: Match) -> tuple[str, str]:
    pairs = [(search[q], file_lines[f]) for q, f in match.pairs]
    uniform = uniform_shift(pairs)
    if uniform is not None:
        return uniform
    # Fuzzy matches may pair lines whose indentation changed too; take the most common shift.
    shifts = Counter(uniform_shift([p]) for p in pairs if p[0].strip())
    best = shifts.most_common(1)
    if best and best[0][0] is not None:
        return best[0][0]
    return ("", "")


def _reindent(lines: list[str], shift: tuple[str, str], strip_trailing: bool) -> list[str]:
    remove, add = shift
    out = []
    for line in lines:
        if strip_trailing:
            line = line.rstrip()
        if not line.strip():
            out.append(line.strip() if strip_trailing or remove or add else line)
            continue
        if remove and not line.startswith(remove):
            raise Refused(
                "the replacement is indented less than the lines it replaces, so it cannot be "
                "re-indented to the file's indentation; quote the lines with their real indentation"
            )
        out.append(add + line[len(remove) :])
    return out


def merge(
    search: tuple[str, ...], replace: tuple[str, ...], file_lines: tuple[str, ...], match: Match
) -> list[str]:
    """The new content of lines match.start..match.end."""
    if match.rung == "exact":
        return list(replace)
    if match.rung == "blank_lines":
        search, replace, match = file_blank_layout(search, replace, file_lines, match, _insertion_point)
    w_of = dict(match.pairs)
    aligned = sorted(w_of)
    shift = _shift(search, file_lines, match)
    strip_trailing = any(
        search[q] != search[q].rstrip() and file_lines[f] == file_lines[f].rstrip() for q, f in match.pairs
    )

    def hi(p: int) -> int:  # file index of the first paired quote line at or after p
        return next((w_of[q] for q in aligned if q >= p), match.end)

    def lo(p: int) -> int:  # just past the file index of the last paired quote line before p
        return next((w_of[q] + 1 for q in reversed(aligned) if q < p), match.start)

    ops = SequenceMatcher(None, search, replace, autojunk=False).get_opcodes()
    out: list[str] = []
    cur = match.start
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "insert":
            end = cur  # an insertion consumes no real line
        elif k == len(ops) - 1:
            end = match.end
        elif tag == "equal":
            end = hi(i2)
            if ops[k + 1][0] == "insert":
                end = _insertion_point(file_lines, lo(i2), hi(i2), replace, ops[k + 1][3], ops[k + 1][4])
        else:
            end = lo(i2)
        end = max(cur, end)
        if tag == "equal":
            out.extend(file_lines[cur:end])
        elif (
            tag == "replace"
            and i2 - i1 == j2 - j1
            and all(q in w_of and cur <= w_of[q] < end for q in range(i1, i2))
        ):
            # Line for line: replace each quoted line where it really is, keeping unquoted blank lines.
            _check_replaced(search, file_lines, w_of, i1, i2, cur, end)
            new_lines = _reindent(list(replace[j1:j2]), shift, strip_trailing)
            at = {w_of[q]: new_lines[q - i1] for q in range(i1, i2)}
            out.extend(at.get(f, file_lines[f]) for f in range(cur, end))
        else:
            _check_replaced(search, file_lines, w_of, i1, i2, cur, end)
            out.extend(_reindent(list(replace[j1:j2]), shift, strip_trailing))
        cur = end
    out.extend(file_lines[cur : match.end])
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _insertion_point(
    file_lines: tuple[str, ...], lo: int, hi: int, replace: tuple[str, ...], j1: int, j2: int
) -> int:
    """Where new lines go when the file has lines the quote did not show at that point.

    Unquoted code there makes the place ambiguous. Unquoted blank lines separate blocks, and only
    blank-line placement is at stake. New lines that end with a blank line of their own were set apart
    from what follows, so they go after the file's blank lines; ones that start with a blank line go before
    them. Otherwise: new lines indented deeper than what follows continue the block above (before the
    blanks); new lines after a block's opening line, or dedented from the line before, start the next
    stretch (after the blanks); a statement added beside its peer goes right after it (before the blanks).
    """
    gap = file_lines[lo:hi]
    if any(line.strip() for line in gap):
        raise Refused(
            f"the file has lines the quote does not show where the new lines go (line {lo + 1}: "
            f"{gap[0].strip()!r}), so the place is ambiguous; quote the lines exactly as they are in the file"
        )
    new = replace[j1:j2]
    if not gap or not new:
        return hi
    if not new[-1].strip():
        return hi
    if not new[0].strip():
        return lo
    following = next((line for line in replace[j2:] if line.strip()), None)
    preceding = next((line for line in reversed(replace[:j1]) if line.strip()), None)
    if following is None or _indent(new[0]) > _indent(following):
        return lo
    if preceding is not None and (_indent(new[0]) < _indent(preceding) or preceding.rstrip()[-1] in "{:"):
        return hi
    return lo


def _check_replaced(
    search: tuple[str, ...],
    file_lines: tuple[str, ...],
    w_of: dict[int, int],
    i1: int,
    i2: int,
    start: int,
    end: int,
) -> None:
    """Refuse to overwrite real lines the model did not quote, or quoted beyond recognition."""
    quoted_at = {w_of[q]: q for q in range(i1, i2) if q in w_of}
    for f in range(start, end):
        real = file_lines[f]
        if f not in quoted_at:
            if real.strip():
                raise Refused(
                    f"line {f + 1} ({real.strip()!r}) sits inside the lines this edit replaces but was "
                    "not in the quote; quote the lines exactly as they are in the file"
                )
            continue
        quoted = search[quoted_at[f]]
        if quoted.strip() != real.strip() and similarity(quoted, real) < CHANGED_LINE_SIMILARITY:
            raise Refused(
                f"the edit changes line {f + 1} ({real.strip()!r}), which the quote shows as "
                f"{quoted.strip()!r}; quote the lines exactly as they are in the file"
            )
