"""Combine signals into one ranking of files and symbols, each with the reasons that put it there."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from workers.checkout.files import is_test_path
from workers.retrieval.fix_prior import fix_prior
from workers.retrieval.index import RepoIndex
from workers.retrieval.signals import Signal, SignalKind

# How much each kind of evidence counts. Execution evidence (where it failed, what only failing tests ran)
# beats what the text says; lexical similarity breaks ties and finds code nothing else names.
WEIGHTS: dict[SignalKind, float] = {
    SignalKind.FRAME: 1.0,
    # Measured, not guessed: when the tests were run, which code only failing tests execute outweighs any
    # textual hint (names in the test, similar words). At 2.0 a function the test calls by name, with a
    # frame and a call in the assertion, beat the helper whose line every failing test ran and no passing
    # one (Ochiai 1.0 against 0.84): the hints outvoted the measurement. Now they only break near-ties.
    SignalKind.COVERAGE: 6.0,
    SignalKind.ISSUE_TRACEBACK: 0.8,
    SignalKind.ISSUE_PATH: 0.6,
    SignalKind.ISSUE_MESSAGE: 0.7,
    SignalKind.MESSAGE: 0.5,
    SignalKind.NAME: 0.5,
    SignalKind.ISSUE_NAME: 0.5,
    SignalKind.ISSUE_RAISE: 0.5,
    SignalKind.ISSUE_CALLS: 0.3,
    SignalKind.ISSUE_CALLEE: 0.4,
    SignalKind.IMPORT: 0.3,
    SignalKind.CALL_PATH: 0.8,
    SignalKind.ASSERTION: 0.6,
    SignalKind.NONE_SOURCE: 0.8,
    SignalKind.TEST_MODULE: 0.3,
    SignalKind.LEXICAL: 0.4,
    SignalKind.LEXICAL_FILE: 0.45,
}
# Test files are candidates only when the failing run's frames or the issue's exact path points at them; a
# traceback pasted into an issue usually runs through the reporter's own test, not one that needs the fix.
TEST_FILE_KINDS = {SignalKind.FRAME, SignalKind.ISSUE_PATH}
SYMBOLS_PER_FILE = 3
LEXICAL_CANDIDATES = 200


@dataclass
class Ranked:
    """A file (symbol None) or a symbol in it, with its combined score and the reasons, best first."""

    path: str
    symbol: str | None
    score: float
    reasons: list[str] = field(default_factory=list)
    start_line: int | None = None
    end_line: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "symbol": self.symbol,
            "score": round(self.score, 4),
            "reasons": self.reasons,
        }


def lexical_signals(index: RepoIndex, query_terms: list[str]) -> list[Signal]:
    """The chunks most similar to the query, weighted by their BM25 score relative to the best one."""
    scores = index.lexical.scores(query_terms)
    if not len(scores) or float(scores.max()) <= 0:
        return []
    best = float(scores.max())
    top = np.argsort(-scores, kind="stable")[:LEXICAL_CANDIDATES]
    signals = []
    for rank, i in enumerate(top):
        if scores[i] <= 0:
            break
        chunk = index.lexical_chunks[int(i)]
        signals.append(
            Signal(
                chunk.path,
                chunk.symbol,
                SignalKind.LEXICAL,
                float(scores[i]) / best,
                f"lexical: BM25 rank {rank + 1}",
            )
        )
    return signals


def file_lexical_signals(index: RepoIndex, query_terms: list[str]) -> list[Signal]:
    """Files whose whole text is most similar to the query."""
    scores = index.file_lexical.scores(query_terms)
    if not len(scores) or float(scores.max()) <= 0:
        return []
    best = float(scores.max())
    top = np.argsort(-scores, kind="stable")[:50]
    return [
        Signal(
            index.file_order[int(i)],
            None,
            SignalKind.LEXICAL_FILE,
            float(scores[i]) / best,
            f"lexical: file BM25 rank {r + 1}",
        )
        for r, i in enumerate(top)
        if scores[i] > 0
    ]


class _Entry:
    """Per file or symbol: the strongest weight seen for each kind of signal, and the reasons behind it."""

    def __init__(self) -> None:
        self.best: dict[SignalKind, float] = {}
        self.reasons: dict[SignalKind, str] = {}

    def add(self, signal: Signal) -> None:
        if signal.weight > self.best.get(signal.kind, 0.0):
            self.best[signal.kind] = signal.weight
            self.reasons[signal.kind] = signal.reason

    def score(self, prior: float = 1.0) -> float:
        return prior * sum(WEIGHTS[kind] * weight for kind, weight in self.best.items())

    def reason_list(self) -> list[str]:
        order = sorted(self.best, key=lambda k: -WEIGHTS[k] * self.best[k])
        return [self.reasons[k] for k in order]


def rank(index: RepoIndex, signals: list[Signal], top: int = 20) -> list[Ranked]:
    """Up to `top` files, each followed (in score order) by up to three of its symbols.

    A file's score takes, per kind, the strongest signal on the file or any symbol in it, so a file never
    ranks below its own symbols.
    """
    files: dict[str, _Entry] = defaultdict(_Entry)
    symbols: dict[tuple[str, str], _Entry] = defaultdict(_Entry)
    allowed_tests = {s.path for s in signals if s.kind in TEST_FILE_KINDS}
    for signal in signals:
        if is_test_path(signal.path) and signal.path not in allowed_tests:
            continue
        files[signal.path].add(signal)
        if signal.symbol is not None:
            symbols[(signal.path, signal.symbol)].add(signal)
    priors = {path: index.prior(path) * fix_prior(path) for path in files}
    ordered_files = sorted(files.items(), key=lambda item: (-item[1].score(priors[item[0]]), item[0]))[:top]
    by_file: dict[str, list[tuple[str, _Entry]]] = defaultdict(list)
    for (path, symbol), entry in symbols.items():
        by_file[path].append((symbol, entry))
    result: list[Ranked] = []
    for path, entry in ordered_files:
        prior = priors[path]
        result.append(Ranked(path, None, entry.score(prior), entry.reason_list()))
        info = index.files.get(path)
        spans = {c.symbol: (c.start_line, c.end_line) for c in info.chunks if c.symbol} if info else {}
        best_symbols = sorted(by_file[path], key=lambda item: (-item[1].score(), item[0]))[:SYMBOLS_PER_FILE]
        for symbol, sym_entry in best_symbols:
            start, end = spans.get(symbol, (None, None))
            result.append(Ranked(path, symbol, sym_entry.score(prior), sym_entry.reason_list(), start, end))
    # Stable sort keeps each file ahead of its own symbols, whose scores never exceed the file's.
    result.sort(key=lambda r: -r.score)
    return result


def top_files(ranked: list[Ranked], count: int) -> list[Ranked]:
    """The best `count` distinct files, each by its best entry (a ranking may list a file's symbols)."""
    seen: dict[str, Ranked] = {}
    for entry in ranked:
        seen.setdefault(entry.path, entry)
        if len(seen) == count:
            break
    return list(seen.values())
