"""Budgeted prompt context: the functions that matter whole, with line numbers, the rest as an outline."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from inference.token_estimate import estimate_tokens
from workers.retrieval.chunks import Chunk, chunk_file
from workers.retrieval.rank import Ranked
from workers.retrieval.repo import read_text

# A ranked file this small (in tokens) goes in whole rather than as functions plus an outline.
WHOLE_FILE_SHARE = 0.15
# Outlines list top-level definitions and methods; deeper nesting is noise for a signature summary.
OUTLINE_DEPTH = 1
# Reasons (their prefix before ":") that put a symbol on the failing run's path: the traceback's frames, the
# lines only failing tests ran, the failing tests' call paths and the calls in the failing assertion.
FAILING_PATH_REASONS = frozenset(
    {"frame", "issue-traceback", "coverage", "call-path", "assertion", "none-source"}
)


@dataclass
class CodeContext:
    """The rendered context, its token count by the caller's counter, and what it contains."""

    text: str
    tokens: int
    files: list[str] = field(default_factory=list)  # files with at least one whole function (or whole)
    symbols: list[str] = field(default_factory=list)  # "path::Symbol" included whole


@dataclass
class _FileView:
    path: str
    lines: list[str]
    chunks: list[Chunk]
    whole: set[int] = field(default_factory=set)  # line numbers shown in full
    outline: set[int] = field(default_factory=set)  # header lines shown as the outline
    cuts: dict[int, str] = field(default_factory=dict)  # last line shown of a function cut short -> note

    def render(self) -> str:
        return f"## {self.path}\n" + render_lines(self.lines, self.whole | self.outline, self.cuts)


def render_lines(lines: list[str], numbers: set[int], cuts: dict[int, str] | None = None) -> str:
    """Numbered lines, with a ⋮ wherever lines are left out, and a note where a function was cut short."""
    out = []
    previous = 0
    cuts = cuts or {}
    for number in sorted(numbers):
        if number > previous + 1:
            out.append(_gap(previous, cuts))
        out.append(f"{number:5d} {lines[number - 1]}")
        previous = number
    if numbers and previous < len(lines):
        out.append(_gap(previous, cuts))
    return "\n".join(out)


def _gap(previous: int, cuts: dict[int, str]) -> str:
    return f"     ⋮ {cuts[previous]}" if previous in cuts else "     ⋮"


def cut_note(chunk: Chunk) -> str:
    """The marker after a function shown only in part, so the model never takes the head for the whole."""
    return f"(cut to fit the token budget: {chunk.symbol} continues to line {chunk.end_line})"


def build_context(
    repo_root: Path, ranked: list[Ranked], *, budget_tokens: int, count_tokens: Callable[[str], int]
) -> CodeContext:
    """Fill the budget in rank order: small files whole, ranked symbols whole, then outlines of their files.

    When the budget is tight (what is ranked does not all fit whole), functions on the failing path come
    first, then each file's best function, then the files' further ones, and small files go whole only with
    what is left; the rest of each file is shown as signatures (header and docstring's first line). A
    failing-path or top-ranked function too big for what is left is shown from its start, in up to half of
    what is left, with a note saying where it was cut.

    Pieces are measured one by one as they are added; the finished text is then measured whole and pieces
    are dropped from the end until it fits, so the result never exceeds `budget_tokens` by `count_tokens`.
    """
    views: dict[str, _FileView] = {}
    added: list[tuple[str, set[int], str]] = []  # (path, lines, "whole"|"outline"), in order added
    used = 0

    def view(path: str) -> _FileView | None:
        if path not in views:
            text = read_text(repo_root, path)
            if not text:
                return None
            views[path] = _FileView(path, text.splitlines(), chunk_file(path, text))
        return views[path]

    def cost_of(target: _FileView, new: set[int], note: str = "") -> int:
        header = 0 if target.whole or target.outline else count_tokens(f"## {target.path}\n")
        return header + count_tokens(render_lines(target.lines, new)) + (count_tokens(note) if note else 0)

    def try_add(path: str, lines: set[int], kind: str) -> bool:
        nonlocal used
        target = view(path)
        if target is None:
            return False
        new = lines - target.whole - (target.outline if kind == "outline" else set())
        if not new:
            return True
        cost = cost_of(target, new)
        if used + cost > budget_tokens:
            return False
        (target.whole if kind == "whole" else target.outline).update(new)
        added.append((path, new, kind))
        used += cost
        return True

    def add_cut(target: _FileView, chunk: Chunk) -> None:
        """The longest head of `chunk` that fits what is left (at least its header), and the cut note."""
        nonlocal used
        note = cut_note(chunk)

        def head(count: int) -> set[int]:
            return set(range(chunk.start_line, chunk.start_line + count)) - target.whole

        low, high = chunk.signature_end - chunk.start_line + 1, chunk.end_line - chunk.start_line
        least = cost_of(target, head(low), note) if low <= high else budget_tokens + 1
        if used + least > budget_tokens:
            return
        # Half of what is left at most (the header always), so the functions after it and the outline
        # still get room.
        limit = max(used + (budget_tokens - used) // 2, used + least)
        while low < high:  # a handful of count_tokens calls, each of which may be a request to TGI
            middle = (low + high + 1) // 2
            if used + cost_of(target, head(middle), note) <= limit:
                low = middle
            else:
                high = middle - 1
        new = head(low)
        used += cost_of(target, new, note)
        target.whole.update(new)
        target.cuts[chunk.start_line + low - 1] = note
        added.append((target.path, new, "whole"))

    tight = _is_tight(ranked, view, budget_tokens)
    order = _tight_order(ranked) if tight else _in_context_order(ranked)
    first = next((e for e in ranked if e.symbol is not None), None)
    must_show: set[tuple[str, str | None]] = {
        (e.path, e.symbol) for e in ranked if e.symbol is not None and on_failing_path(e)
    }
    if first is not None:
        must_show.add((first.path, first.symbol))
    for entry in order:
        target = view(entry.path)
        if target is None:
            continue
        if entry.symbol is None:
            size = len(target.lines)
            if size and count_tokens("\n".join(target.lines)) <= budget_tokens * WHOLE_FILE_SHARE:
                try_add(entry.path, set(range(1, size + 1)), "whole")
            continue
        chunk = next((c for c in target.chunks if c.symbol == entry.symbol), None)
        if chunk is None:
            continue
        if chunk.kind == "class" and not try_add(
            entry.path, set(range(chunk.start_line, chunk.end_line + 1)), "whole"
        ):
            # Too big whole: the class's own lines (header, docstring, attributes); methods come as outline.
            try_add(entry.path, _own_lines(chunk, target.chunks), "whole")
        elif (
            chunk.kind != "class"
            and not try_add(entry.path, set(range(chunk.start_line, chunk.end_line + 1)), "whole")
            and (entry.path, entry.symbol) in must_show
        ):
            add_cut(target, chunk)
    for path in [p for p in dict.fromkeys(r.path for r in ranked) if p in views and views[p].whole]:
        target = views[path]
        shown = sorted(target.whole)
        groups = [
            _signature(c, target.lines)
            for c in target.chunks[1:]
            if c.depth <= OUTLINE_DEPTH and c.start_line not in target.whole
        ]
        # Nearest signatures first; halve the list until it fits, then the same with those left, so a big
        # file still gets a partial outline for a few count_tokens calls (each may be a request to TGI).
        groups.sort(key=lambda g: min(abs(min(g) - n) for n in shown))
        while groups:
            count = len(groups)
            while count and not try_add(path, set().union(*groups[:count]), "outline"):
                count //= 2
            if not count:
                break
            groups = groups[count:]
    return _fit(views, added, budget_tokens, count_tokens)


def on_failing_path(entry: Ranked) -> bool:
    """Whether execution evidence (frames, coverage, call paths, the assertion) ranked this entry."""
    return any(reason.split(":", 1)[0] in FAILING_PATH_REASONS for reason in entry.reasons)


_DOCSTRING = re.compile(r"""^\s*[rRuU]?("{3}|'{3}|"|')""")


def _signature(chunk: Chunk, lines: list[str]) -> set[int]:
    """A definition's header lines, and its docstring's first line when it has one."""
    shown = set(range(chunk.start_line, chunk.signature_end + 1))
    after = chunk.signature_end + 1
    if after <= chunk.end_line and after <= len(lines) and _DOCSTRING.match(lines[after - 1]):
        shown.add(after)
    return shown


def _is_tight(ranked: list[Ranked], view: Callable[[str], _FileView | None], budget_tokens: int) -> bool:
    """Whether what is ranked, small files and symbols whole, overflows the budget.

    Decided with the local estimate: it only chooses the order, and a TGI count per piece would double the
    requests; the pieces themselves are still measured by the caller's counter.
    """
    need = 0
    for entry in ranked:
        target = view(entry.path)
        if target is None:
            continue
        if entry.symbol is None:
            text = "\n".join(target.lines)
            cost = estimate_tokens(text)
            need += cost if cost <= budget_tokens * WHOLE_FILE_SHARE else 0
            continue
        chunk = next((c for c in target.chunks if c.symbol == entry.symbol), None)
        if chunk is not None:
            need += estimate_tokens("\n".join(target.lines[chunk.start_line - 1 : chunk.end_line]))
        if need > budget_tokens:
            return True
    return False


def _tight_order(ranked: list[Ranked]) -> list[Ranked]:
    """Failing-path symbols in rank order, then the usual symbol order, then files (to go whole if small)."""
    failing = [e for e in ranked if e.symbol is not None and on_failing_path(e)]
    chosen = {id(e) for e in failing}
    rest = [e for e in _in_context_order(ranked) if e.symbol is not None and id(e) not in chosen]
    return failing + rest + [e for e in ranked if e.symbol is None]


def _in_context_order(ranked: list[Ranked]) -> list[Ranked]:
    """Each file with its best symbol, in file rank order; then the files' further symbols, round by round.

    The ranking interleaves files and symbols by score; a prompt is better served by the best function of
    each of the top files than by three functions of the first file and nothing of the second.
    """
    by_file: dict[str, list[Ranked]] = {}
    for entry in ranked:
        by_file.setdefault(entry.path, [])
        if entry.symbol is not None:
            by_file[entry.path].append(entry)
    order: list[Ranked] = []
    files = [r for r in ranked if r.symbol is None]
    for entry in files:
        order.append(entry)
        order.extend(by_file[entry.path][:1])
    rounds = max((len(v) for v in by_file.values()), default=0)
    for i in range(1, rounds):
        order.extend(symbols[i] for symbols in by_file.values() if len(symbols) > i)
    return order


def _own_lines(cls: Chunk, chunks: list[Chunk]) -> set[int]:
    lines = set(range(cls.start_line, cls.end_line + 1))
    for chunk in chunks:
        if (
            chunk.depth > cls.depth
            and chunk.kind == "function"
            and cls.start_line < chunk.start_line <= cls.end_line
        ):
            lines -= set(range(chunk.start_line, chunk.end_line + 1))
    return lines


def _fit(
    views: dict[str, _FileView],
    added: list[tuple[str, set[int], str]],
    budget: int,
    count_tokens: Callable[[str], int],
) -> CodeContext:
    """Render, measure the whole text, and drop the last-added pieces until it fits."""
    while True:
        order = list(dict.fromkeys(path for path, _, _ in added))
        text = "\n\n".join(views[p].render() for p in order if views[p].whole or views[p].outline)
        tokens = count_tokens(text) if text else 0
        if tokens <= budget or not added:
            break
        path, lines, kind = added.pop()
        (views[path].whole if kind == "whole" else views[path].outline).difference_update(lines)
        for line in lines & views[path].cuts.keys():
            del views[path].cuts[line]
    if not added:
        text, tokens = "", 0
    files = [p for p in dict.fromkeys(path for path, _, kind in added if kind == "whole")]
    symbols = []
    for path in files:
        for chunk in views[path].chunks[1:]:
            span = set(range(chunk.start_line, chunk.end_line + 1))
            if chunk.kind == "function" and span <= views[path].whole:
                symbols.append(f"{path}::{chunk.symbol}")
    return CodeContext(text, tokens, files, symbols)
