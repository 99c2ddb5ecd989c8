"""Localization: which files and symbols most likely need the change, from every signal available."""

from __future__ import annotations

from pathlib import Path

from workers.evidence.failures import Evidence
from workers.retrieval.exercised import exercised_signals, failing_tests, test_query_terms
from workers.retrieval.failing_paths import (
    assertion_signals,
    call_path_signals,
    named_module_signals,
    none_source_signals,
)
from workers.retrieval.index import RepoIndex
from workers.retrieval.issue_callees import callee_signals
from workers.retrieval.issue_code import (
    call_site_signals,
    damp_exception_definitions,
    file_stem_signals,
    raise_signals,
)
from workers.retrieval.issue_spans import bounded
from workers.retrieval.lexical import tokenize
from workers.retrieval.messages import message_id_signals, message_signals
from workers.retrieval.rank import Ranked, file_lexical_signals, lexical_signals, rank
from workers.retrieval.signals import Signal, SignalKind, frame_signals, issue_signals
from workers.runners.process import CommandRunner

# How much a static call path counts beside a traced run's coverage (see locate).
COVERED_CALL_PATH = 0.5


def locate(
    repo_root: Path,
    *,
    evidence: Evidence | None = None,
    issue_text: str = "",
    runner: CommandRunner | None = None,
    test_cmd: str | None = None,
    top: int = 20,
    index: RepoIndex | None = None,
) -> list[Ranked]:
    """Ranked files and symbols, best first, with the reasons for each.

    With `runner` and `test_cmd`, the tests are run once under a line tracer for spectrum-based evidence;
    otherwise only the log (evidence), the issue text and the code itself are used. `index` lets a caller
    that localizes many times on one unchanged checkout (a benchmark) build the index once.
    """
    index = index if index is not None else RepoIndex.build(repo_root)
    # A stranger's text: only so much of it is read (its start and its end, where a traceback ends).
    issue_text = bounded(issue_text, tail=True)
    signals = frame_signals(index, evidence)
    tests = failing_tests(index, evidence)
    signals += exercised_signals(index, tests)
    call_paths = call_path_signals(index, tests)
    signals += assertion_signals(index, evidence, tests)
    signals += none_source_signals(index, evidence, tests)
    signals += named_module_signals(index, tests)
    named = damp_exception_definitions(index, issue_signals(index, issue_text))
    signals += named + callee_signals(index, named, issue_text)
    signals += raise_signals(index, issue_text) + call_site_signals(index, issue_text)
    signals += file_stem_signals(index, issue_text)
    signals += message_signals(index, issue_text) + message_id_signals(index, issue_text)
    messages = "\n".join(f"{f.error_type}: {f.message}" for f in evidence.failures) if evidence else ""
    signals += message_signals(index, messages, kind=SignalKind.MESSAGE)
    query = tokenize(issue_text) + test_query_terms(tests) + tokenize(messages)
    signals += lexical_signals(index, query) + file_lexical_signals(index, query)
    if runner is not None and test_cmd:
        from workers.retrieval.coverage import coverage_signals

        covered = coverage_signals(index, runner, test_cmd)
        signals += covered
        if covered:
            # The traced run says what the failing tests really ran; the static paths then only break ties
            # among code they did run (operators and properties call code no static edge shows).
            ran = {(s.path, s.symbol) for s in covered}
            call_paths = [
                Signal(s.path, s.symbol, s.kind, s.weight * COVERED_CALL_PATH, s.reason)
                for s in call_paths
                if (s.path, s.symbol) in ran
            ]
    return rank(index, signals + call_paths, top)
