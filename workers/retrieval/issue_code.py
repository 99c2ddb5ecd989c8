"""Issue text against the code's own uses of what it quotes: where a named exception is raised, and where
the names of a quoted snippet are called together.

The definition of a name an issue quotes is found by signals.issue_signals. Two things a definition misses:
an exception class is defined in one place (`django/db/utils.py`) but the bug is where it is raised; and a
snippet that calls three of the project's functions points at the code that calls them too, its call sites.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict

from workers.checkout.files import is_test_path
from workers.retrieval.index import RepoIndex
from workers.retrieval.issue_lines import reporter_definitions
from workers.retrieval.issue_spans import bounded, code_spans, raised_exceptions
from workers.retrieval.repo import read_text
from workers.retrieval.signals import Signal, SignalKind

# An exception raised in more places than this says little about which one the reporter hit.
MAX_RAISE_SITES = 12
# A name called in more chunks than this is everyday API (`filter`, `save`): its call sites say nothing.
MAX_CALL_SITES = 40
MAX_NAMES = 40
_EXCEPTION_NAME = re.compile(r"(?:Error|Exception|Warning)$")
_CALLED_IN_CODE = re.compile(r"(?:^|[^\w.])([A-Za-z_]\w{0,80})\s*\(|\.([A-Za-z_]\w{0,80})\s*\(")
_texts: weakref.WeakKeyDictionary[RepoIndex, dict[str, str]] = weakref.WeakKeyDictionary()


def source_texts(index: RepoIndex) -> dict[str, str]:
    """The text of every non-test source file of the index, read once per index."""
    texts = _texts.get(index)
    if texts is None:
        texts = {p: read_text(index.root, p) for p in index.lexical_chunk_files if not is_test_path(p)}
        _texts[index] = texts
    return texts


def is_exception_class(index: RepoIndex, path: str, symbol: str | None) -> bool:
    """A class named like an exception: its definition is where it is declared, rarely what needs a fix."""
    return symbol is not None and bool(_EXCEPTION_NAME.search(symbol.rsplit(".", 1)[-1]))


def damp_exception_definitions(index: RepoIndex, signals: list[Signal], factor: float = 0.3) -> list[Signal]:
    """The issue's name signals that land on an exception class's definition, weakened by `factor`; a reporter
    quotes `IntegrityError` because it was raised at them, and raise_signals says where."""
    out = []
    for signal in signals:
        if signal.kind in (SignalKind.ISSUE_NAME, SignalKind.ISSUE_PATH) and is_exception_class(
            index, signal.path, signal.symbol
        ):
            signal = Signal(signal.path, signal.symbol, signal.kind, signal.weight * factor, signal.reason)
        out.append(signal)
    return out


def raise_signals(index: RepoIndex, text: str) -> list[Signal]:
    """Functions that raise an exception class the project defines and the issue shows raised."""
    names = [
        n for n in raised_exceptions(text) if any(c.kind == "class" for c in index.definitions.get(n, []))
    ]
    if not names:
        return []
    pattern = re.compile(r"\braise\s+(?:[\w.]+\.)?(" + "|".join(map(re.escape, names)) + r")\b")
    sites: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path, source in source_texts(index).items():
        if not any(name in source for name in names):
            continue
        for match in pattern.finditer(source):
            sites[match.group(1)].append((path, source.count("\n", 0, match.start()) + 1))
    signals: list[Signal] = []
    for name, found in sites.items():
        if len(found) > MAX_RAISE_SITES:
            continue
        for path, line in found:
            chunk = index.files[path].symbol_at(line)
            signals.append(
                Signal(
                    path,
                    chunk.symbol if chunk else None,
                    SignalKind.ISSUE_RAISE,
                    1.0 / len(found),
                    f"issue-raise: {name}, which the issue shows raised, is raised at {path}:{line}",
                )
            )
    return signals


def called_names(text: str) -> list[str]:
    """Names the issue's code calls, `f(` or `.f(`, in order of first appearance; not the ones it defines
    itself (`class Article(models.Model)` reads as a call of Article)."""
    found: dict[str, None] = {}
    spans = code_spans(text)
    own = reporter_definitions("\n".join(spans))
    for span in spans:
        for a, b in _CALLED_IN_CODE.findall(span):
            if (a or b) not in own:
                found.setdefault(a or b)
    return list(found)[: MAX_NAMES * 4]


def call_site_signals(index: RepoIndex, text: str) -> list[Signal]:
    """Functions of the project that call two or more of the project-defined names the issue's code calls:
    code that combines what the reporter combined. Each name counts by its rarity (fewer callers, more)."""
    names = [n for n in called_names(text) if len(n) > 2 and n in index.definitions][:MAX_NAMES]
    if len(names) < 2:
        return []
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, names)) + r")\s*\(")
    callers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path, source in source_texts(index).items():
        info = index.files.get(path)
        if info is None or not any(name in source for name in names):
            continue
        for match in pattern.finditer(source):
            chunk = info.symbol_at(source.count("\n", 0, match.start()) + 1)
            if chunk is not None and chunk.name != match.group(1):
                callers[match.group(1)].add((path, chunk.symbol or ""))
    score: dict[tuple[str, str], float] = defaultdict(float)
    which: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, sites in callers.items():
        if len(sites) > MAX_CALL_SITES:
            continue
        for site in sites:
            score[site] += 1.0 / len(sites) ** 0.5
            which[site].append(name)
    if not score:
        return []
    best = max(score.values())
    return [
        Signal(
            path,
            symbol,
            SignalKind.ISSUE_CALLS,
            value / best,
            f"issue-calls: calls {', '.join(sorted(which[(path, symbol)])[:4])}, as the issue's code does",
        )
        for (path, symbol), value in score.items()
        if len(which[(path, symbol)]) >= 2
    ]


_WORD = re.compile(r"\b(\w{8,100})\b")


def file_stem_signals(index: RepoIndex, text: str) -> list[Signal]:
    """Files whose compound name the issue writes out (`0011_update_proxy_permissions`) without a path or
    an importable dotted name: one or two files with that name is a place the issue names."""
    stems: dict[str, list[str]] = defaultdict(list)
    for path in index.lexical_chunk_files:
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if "_" in stem.strip("_") and len(stem) >= 8:
            stems[stem].append(path)
    signals: list[Signal] = []
    for word in dict.fromkeys(_WORD.findall(bounded(text))):
        paths = stems.get(word, [])
        if 0 < len(paths) <= 2:
            signals.extend(
                Signal(p, None, SignalKind.ISSUE_PATH, 0.8 / len(paths), f"issue-path: issue names {word}")
                for p in paths
            )
    return signals
