"""Apply a whole-file answer: the new content, except where the model only re-typed what was there.

Models that rewrite a file add trailing spaces, drop blank lines, or write "# ... rest unchanged" for code
they skipped. Stretches that differ from the file only in such ways keep the file's own lines, so the
change is exactly what the model meant to change.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from workers.edits.elide_whole import expand_elisions
from workers.edits.fuzzy import closest_block, numbered
from workers.edits.records import Refused
from workers.edits.replace import is_elision

# A "whole file" with less than half the real file's code is most likely a fragment the model meant as an
# excerpt ("change this line to ..."); written as the file it would delete the rest. Tiny files are
# exempt: there, rewriting most lines is an ordinary fix.
FRAGMENT_MIN_LINES = 4
FRAGMENT_RATIO = 0.5


def _same_but_whitespace(a: list[str], b: list[str]) -> bool:
    # Re-indenting real code is a change (in Python it changes meaning); only blank lines and trailing
    # spaces are noise.
    return [x.rstrip() for x in a if x.strip()] == [y.rstrip() for y in b if y.strip()]


def _check_nothing_lost(original: tuple[str, ...], expanded: tuple[str, ...], path: str) -> None:
    """After filling elisions, refuse if real code vanished: with "..." in the answer, a missing stretch
    more likely means an elision was placed wrongly than that the model meant to delete it."""
    ops = SequenceMatcher(None, [o.strip() for o in original], [n.strip() for n in expanded], autojunk=False)
    for tag, i1, i2, j1, j2 in ops.get_opcodes():
        lost = sum(1 for o in original[i1:i2] if o.strip()) - sum(1 for n in expanded[j1:j2] if n.strip())
        if tag in ("delete", "replace") and lost >= 2:
            raise Refused(
                f'with the "..." lines filled in from the file, the code block for {path} would delete lines '
                f'{i1 + 1}-{i2} of the file; it is unclear which lines the "..." stands for. Write the file '
                "out in full, or use a SEARCH/REPLACE block"
            )


def _check_not_excerpt(original: tuple[str, ...], new: tuple[str, ...], path: str) -> None:
    """Refuse a "whole file" that is much shorter than the file, or keeps less than half its lines."""
    real = [o.strip() for o in original if o.strip()]
    if len(real) < FRAGMENT_MIN_LINES:
        return
    given = {n.strip() for n in new if n.strip()}
    kept = sum(1 for line in real if line in given)
    if sum(1 for n in new if n.strip()) < FRAGMENT_RATIO * len(real) or kept < FRAGMENT_RATIO * len(real):
        near = closest_block(original, new)
        raise Refused(
            f"the code block for {path} keeps {kept} of the file's {len(real)} lines; it looks like an "
            "excerpt, not the whole file. Give the whole file, or use a SEARCH/REPLACE block",
            numbered(original, near[0], near[1]) if near else "",
        )


def apply_whole(
    original: tuple[str, ...] | None, new: tuple[str, ...], path: str
) -> tuple[tuple[str, ...], str]:
    """The file's new lines and how they were obtained ("new_file" or "whole_file")."""
    if original is None:
        if any(is_elision(line) for line in new):
            raise Refused(f'{path} does not exist yet, so "..." cannot stand for existing lines in it')
        return new, "new_file"
    elided = any(is_elision(line) and line not in original for line in new)
    if not elided:
        _check_not_excerpt(original, new, path)
    if elided:
        new = expand_elisions(original, new, path)
        _check_nothing_lost(original, new, path)
    matcher = SequenceMatcher(None, [o.strip() for o in original], [n.strip() for n in new], autojunk=False)
    ops = matcher.get_opcodes()
    # A model that adds trailing spaces to unchanged lines adds them to its changed lines too.
    noisy = any(
        n != n.rstrip() and o == o.rstrip()
        for tag, i1, i2, j1, j2 in ops
        if tag == "equal"
        for o, n in zip(original[i1:i2], new[j1:j2], strict=True)
    )
    out: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        old_part, new_part = list(original[i1:i2]), list(new[j1:j2])
        if tag == "equal":
            # Same content; keep the file's own trailing whitespace unless the indentation changed.
            for o, n in zip(old_part, new_part, strict=True):
                out.append(o if o.rstrip() == n.rstrip() else n.rstrip() if noisy else n)
        elif _same_but_whitespace(old_part, new_part):
            out.extend(old_part)
        else:
            out.extend(n.rstrip() if noisy else n for n in new_part)
    return tuple(out), "whole_file+elision" if elided else "whole_file"
