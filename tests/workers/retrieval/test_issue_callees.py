"""One call down from the function an issue names: the wrapper's worker gets a share of its weight."""

from __future__ import annotations

import textwrap
from pathlib import Path

from workers.retrieval.index import RepoIndex
from workers.retrieval.issue_callees import CALLEE_SHARE, MAX_DEFINITIONS, callee_signals
from workers.retrieval.signals import Signal, SignalKind

FILES = {
    "pkg/query.py": """\
        class QuerySet:
            def defer(self, *fields):
                clone = self._chain()
                clone.query.add_deferred_loading(fields)
                return clone
        """,
    "pkg/sql/query.py": """\
        class Query:
            def add_deferred_loading(self, names):
                self.deferred = names

            def _chain(self):
                return self
        """,
}


ISSUE = "QuerySet.defer() doesn't clear deferred field when chaining with only()."


def _index(tmp_path: Path, extra: dict[str, str] | None = None) -> RepoIndex:
    for name, text in {**FILES, **(extra or {})}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    return RepoIndex.build(tmp_path)


def _named(symbol: str, weight: float = 1.0, kind: SignalKind = SignalKind.ISSUE_NAME) -> Signal:
    return Signal("pkg/query.py", symbol, kind, weight, f"issue-name: issue mentions {symbol}")


def test_the_named_wrappers_worker_is_a_candidate(tmp_path: Path) -> None:
    signals = callee_signals(_index(tmp_path), [_named("QuerySet.defer")], ISSUE)
    found = {(s.path, s.symbol): s.weight for s in signals}
    assert found[("pkg/sql/query.py", "Query.add_deferred_loading")] == CALLEE_SHARE
    assert found[("pkg/sql/query.py", "Query._chain")] == CALLEE_SHARE


def test_the_named_function_is_not_its_own_callee(tmp_path: Path) -> None:
    recursive = {
        "pkg/query.py": textwrap.dedent(FILES["pkg/query.py"]).replace("return clone", "return self.defer()")
    }
    signals = callee_signals(_index(tmp_path, recursive), [_named("QuerySet.defer")], ISSUE)
    assert "QuerySet.defer" not in {s.symbol for s in signals}


def test_a_name_defined_in_many_places_says_nothing(tmp_path: Path) -> None:
    many = {f"pkg/m{i}.py": "def _chain(self):\n    return self\n" for i in range(MAX_DEFINITIONS)}
    signals = callee_signals(_index(tmp_path, many), [_named("QuerySet.defer")], ISSUE)
    assert {s.symbol for s in signals} == {"Query.add_deferred_loading"}


def test_weak_or_other_kinds_of_signal_have_no_callees(tmp_path: Path) -> None:
    index = _index(tmp_path)
    assert callee_signals(index, [_named("QuerySet.defer", weight=0.5)], ISSUE) == []
    assert callee_signals(index, [_named("QuerySet.defer", kind=SignalKind.LEXICAL)], ISSUE) == []
    # A class is not a caller: its methods are named on their own.
    assert callee_signals(index, [_named("QuerySet")], ISSUE) == []


def test_a_plain_word_the_issue_does_not_qualify_is_no_caller(tmp_path: Path) -> None:
    index = _index(tmp_path)
    assert callee_signals(index, [_named("QuerySet.defer")], "defer() does not clear the field") == []
