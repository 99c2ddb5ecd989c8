"""Budgeted prompt context: the functions that matter whole, with line numbers, the rest as an outline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workers.retrieval.chunks import Chunk, chunk_file
from workers.retrieval.rank import Ranked
from workers.retrieval.repo import read_text

# A ranked file this small (in tokens) goes in whole rather than as functions plus an outline.
WHOLE_FILE_SHARE = 0.15
# Outlines list top-level definitions and methods; deeper nesting is noise for a signature summary.
OUTLINE_DEPTH = 1


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

    def render(self) -> str:
        return f"## {self.path}\n" + render_lines(self.lines, self.whole | self.outline)


def render_lines(lines: list[str], numbers: set[int]) -> str:
    """Numbered lines, with a ⋮ wherever lines are left out."""
    out = []
    previous = 0
    for number in sorted(numbers):
        if number > previous + 1:
            out.append("     ⋮")
        out.append(f"{number:5d} {lines[number - 1]}")
        previous = number
    if numbers and previous < len(lines):
        out.append("     ⋮")
    return "\n".join(out)


def build_context(
    repo_root: Path, ranked: list[Ranked], *, budget_tokens: int, count_tokens: Callable[[str], int]
) -> CodeContext:
    """Fill the budget in rank order: small files whole, ranked symbols whole, then outlines of their files.

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

    def try_add(path: str, lines: set[int], kind: str) -> bool:
        nonlocal used
        target = view(path)
        if target is None:
            return False
        new = lines - target.whole - (target.outline if kind == "outline" else set())
        if not new:
            return True
        header = 0 if target.whole or target.outline else count_tokens(f"## {path}\n")
        cost = header + count_tokens(render_lines(target.lines, new))
        if used + cost > budget_tokens:
            return False
        (target.whole if kind == "whole" else target.outline).update(new)
        added.append((path, new, kind))
        used += cost
        return True

    for entry in _in_context_order(ranked):
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
        elif chunk.kind != "class":
            try_add(entry.path, set(range(chunk.start_line, chunk.end_line + 1)), "whole")
    for path in [p for p in dict.fromkeys(r.path for r in ranked) if p in views and views[p].whole]:
        target = views[path]
        shown = sorted(target.whole)
        groups = [
            set(range(c.start_line, c.signature_end + 1))
            for c in target.chunks[1:]
            if c.depth <= OUTLINE_DEPTH and c.start_line not in target.whole
        ]
        # Nearest signatures first; halve the list until it fits, so a big file still gets a partial outline
        # for a handful of count_tokens calls (each may be a request to TGI).
        groups.sort(key=lambda g: min(abs(min(g) - n) for n in shown))
        count = len(groups)
        while count and not try_add(path, set().union(*groups[:count]), "outline"):
            count //= 2
    return _fit(views, added, budget_tokens, count_tokens)


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
