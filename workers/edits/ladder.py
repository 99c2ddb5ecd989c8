"""Find the one place in a file that a quoted block (SEARCH text or diff context) means.

Rungs are tried in order and the first that finds exactly one place wins: exact, ignoring trailing
whitespace, a uniform indentation shift, ignoring blank-line differences, then a fuzzy match that must be
clearly better than the runner-up. Each later rung accepts everything an earlier one does, so two places at
any rung means the quote is ambiguous, and it is refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from workers.edits.fuzzy import (
    FUZZY_MARGIN,
    FUZZY_MIN_LINES,
    FUZZY_THRESHOLD,
    best_and_runner_up,
    closest_block,
    numbered,
    score_windows,
)
from workers.edits.records import Refused

Pairs = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Match:
    """A place in the file: lines start..end, which quoted line sits on which file line, and the rung."""

    start: int
    end: int
    pairs: Pairs  # (index in the quote, index in the file)
    rung: str


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def uniform_shift(pairs: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(remove, add): the one indentation change that turns every quoted line into its file line."""
    shift: tuple[str, str] | None = None
    for quoted, real in pairs:
        if not quoted.strip():
            continue
        lq, lr = _leading(quoted), _leading(real)
        common = 0
        while common < min(len(lq), len(lr)) and lq[-1 - common] == lr[-1 - common]:
            common += 1
        this = (lq[: len(lq) - common], lr[: len(lr) - common])
        if shift is None:
            shift = this
        elif shift != this:
            return None
    return shift or ("", "")


def _find_runs(keys: list[str], quote: list[str]) -> list[int]:
    n = len(quote)
    return [i for i in range(len(keys) - n + 1) if keys[i] == quote[0] and keys[i : i + n] == quote]


def _line_rung(
    file_lines: tuple[str, ...], search: tuple[str, ...], key: Callable[[str], str], check_shift: bool
) -> list[Match]:
    keys = [key(line) for line in file_lines]
    quote = [key(line) for line in search]
    matches = []
    for i in _find_runs(keys, quote):
        pairs = tuple((k, i + k) for k in range(len(search)))
        if check_shift and uniform_shift([(search[q], file_lines[f]) for q, f in pairs]) is None:
            continue
        matches.append(Match(i, i + len(search), pairs, ""))
    return matches


def _blank_rung(file_lines: tuple[str, ...], search: tuple[str, ...]) -> list[Match]:
    """Match the non-blank lines only, so a missing or extra blank line does not hide the place."""
    q_idx = [i for i, line in enumerate(search) if line.strip()]
    f_idx = [i for i, line in enumerate(file_lines) if line.strip()]
    if not q_idx:
        return []
    keys = [file_lines[i].strip() for i in f_idx]
    quote = [search[i].strip() for i in q_idx]
    matches = []
    for run in _find_runs(keys, quote):
        pairs = tuple((q_idx[k], f_idx[run + k]) for k in range(len(q_idx)))
        if uniform_shift([(search[q], file_lines[f]) for q, f in pairs]) is None:
            continue
        matches.append(Match(f_idx[run], f_idx[run + len(q_idx) - 1] + 1, pairs, ""))
    return matches


def _fuzzy_pairs(search: tuple[str, ...], window: tuple[str, ...], offset: int) -> Pairs:
    """Line pairing inside a fuzzy window: equal lines, and one-for-one replaced (mistyped) lines."""
    matcher = SequenceMatcher(None, [s.strip() for s in search], [w.strip() for w in window], autojunk=False)
    pairs: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs.extend((i1 + k, offset + j1 + k) for k in range(i2 - i1))
    return tuple(pairs)


def _places(file_lines: tuple[str, ...], matches: list[Match]) -> str:
    return "\n...\n".join(numbered(file_lines, m.start, m.end, context=0) for m in matches[:3])


EXACT_RUNGS: tuple[tuple[str, Callable[[tuple[str, ...], tuple[str, ...]], list[Match]]], ...] = (
    ("exact", lambda f, s: _line_rung(f, s, lambda x: x, False)),
    ("trailing_whitespace", lambda f, s: _line_rung(f, s, str.rstrip, False)),
    ("indentation", lambda f, s: _line_rung(f, s, str.strip, True)),
    ("blank_lines", _blank_rung),
)


def find_quote(file_lines: tuple[str, ...], search: tuple[str, ...], *, allow_fuzzy: bool = True) -> Match:
    """The one place the quote means, or Refused naming why and showing the closest real lines."""
    for rung, find in EXACT_RUNGS:
        matches = find(file_lines, search)
        if len(matches) == 1:
            m = matches[0]
            return Match(m.start, m.end, m.pairs, rung)
        if len(matches) > 1:
            lines = ", ".join(f"{m.start + 1}-{m.end}" for m in matches[:5])
            raise Refused(
                f"the quoted lines match {len(matches)} places (lines {lines}); quote more of the "
                "surrounding lines so that they match exactly one",
                _places(file_lines, matches),
            )
    nonblank = sum(1 for line in search if line.strip())
    if allow_fuzzy and nonblank >= FUZZY_MIN_LINES:
        best, runner_up = best_and_runner_up(score_windows(file_lines, search))
        if best is not None and best.score >= FUZZY_THRESHOLD:
            if runner_up is not None and best.score - runner_up.score < FUZZY_MARGIN:
                raise Refused(
                    f"the quoted lines do not appear exactly; the two most similar places (lines "
                    f"{best.start + 1}-{best.end} and {runner_up.start + 1}-{runner_up.end}) are about "
                    "equally close, so the edit is ambiguous",
                    numbered(file_lines, best.start, best.end, 0)
                    + "\n...\n"
                    + numbered(file_lines, runner_up.start, runner_up.end, 0),
                )
            pairs = _fuzzy_pairs(search, file_lines[best.start : best.end], best.start)
            return Match(best.start, best.end, pairs, "fuzzy")
    raise not_found(file_lines, search)


def not_found(file_lines: tuple[str, ...], search: tuple[str, ...]) -> Refused:
    near = closest_block(file_lines, search)
    where = ""
    if near:
        where = (
            f"; the closest line is {near[1]}"
            if near[1] - near[0] == 1
            else f"; the closest lines are {near[0] + 1}-{near[1]}"
        )
    return Refused(
        f"the quoted lines were not found in the file{where}",
        numbered(file_lines, near[0], near[1]) if near else "",
    )
