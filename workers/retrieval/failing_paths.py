"""From failing tests to the code they test, without running anything: the static call paths of the failing
tests weighed against those of the tests that pass, the calls in the failing assertion and pytest's
`where ... = f(...)` lines, and the module a test module is named for.

A function every failing test reaches and few passing tests reach is where a log-only localization should
look first (a static stand-in for the traced run's spectrum); a shared helper or `__init__` that every test
reaches counts for little.
"""

from __future__ import annotations

import ast
import math
import re
from collections import defaultdict

from workers.checkout.files import is_test_path
from workers.evidence.failures import Evidence
from workers.retrieval.call_graph import Node, name_chain, operator_uses
from workers.retrieval.exercised import FailingTest
from workers.retrieval.index import RepoIndex
from workers.retrieval.repo import read_text
from workers.retrieval.signals import FRAME_DECAY, Signal, SignalKind

# A call made by the test itself is the likeliest fault; each step further down counts for a little less.
# Mild on purpose: a function every failing test reaches two calls down explains the failures better than
# one only some of them call directly.
DISTANCE_WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6}
CALL_DEPTH = 3
# Passing tests are read from the failing tests' own directories; a bounded number of files keeps a
# localization on a large suite within its time.
MAX_TEST_FILES = 40
CONSTRUCTORS = {"__init__", "__new__", "__post_init__"}
SETUP_NAMES = ("setUp", "setup_method", "setup")
# A traceback's line may open a statement split over several; longer ones are read by their first line.
STATEMENT_LINES = 8


def node_of(index: RepoIndex, test: FailingTest) -> Node | None:
    """The test's function in the graph; a method a test class inherits (from a mixin of shared tests) is
    found in the base that defines it."""
    if not test.function:
        return None
    if not test.cls:
        return (test.path, test.function)
    return index.call_graph.method(test.path, test.cls, test.function) or (
        test.path,
        f"{test.cls}.{test.function}",
    )


def call_path_signals(index: RepoIndex, tests: list[FailingTest]) -> list[Signal]:
    """Functions on the failing tests' static call paths, scored like a spectrum (Ochiai) against the
    other tests of the same test directories, which are taken to pass, and by distance from the test."""
    failing = {node for node in (node_of(index, t) for t in tests) if node is not None}
    if not failing:
        return []
    concrete = {node: (t.path, t.cls) for t in tests if (node := node_of(index, t)) and t.cls}
    failing_reach = [_reach(index, node, concrete.get(node)) for node in sorted(failing)]
    passing_reach = [
        _reach(index, node, (node[0], node[1].rpartition(".")[0])) for node in _other_tests(index, failing)
    ]
    passed_count: dict[Node, int] = defaultdict(int)
    for reach in passing_reach:
        for node in reach:
            passed_count[node] += 1
    failed_count: dict[Node, int] = defaultdict(int)
    nearest: dict[Node, int] = {}
    for reach in failing_reach:
        for node, distance in reach.items():
            failed_count[node] += 1
            nearest[node] = min(distance, nearest.get(node, distance))
    total = len(failing_reach)
    signals: list[Signal] = []
    for node, ef in failed_count.items():
        path, symbol = node
        if _test_side(path, tests) or path not in index.files:
            continue
        ep = passed_count.get(node, 0)
        score = ef / math.sqrt(total * (ef + ep)) * DISTANCE_WEIGHT[nearest[node]]
        reason = (
            f"call-path: {nearest[node]} call(s) from {ef}/{total} failing tests, reached by {ep} other tests"
        )
        signals.append(Signal(path, symbol, SignalKind.CALL_PATH, score, reason))
    return signals


def _reach(index: RepoIndex, node: Node, concrete: tuple[str, str] | None = None) -> dict[Node, int]:
    """What a test reaches: its own calls and those of its class's setUp, each at its shortest distance.
    `concrete` is the test's own class when the method is inherited from a mixin: its class attributes
    (`Cache = LFUCache`) say what the mixin's `self.Cache(...)` builds."""
    graph = index.call_graph
    reach = graph.reachable(node, CALL_DEPTH)
    path, symbol = node
    cls = symbol.rpartition(".")[0]
    starts = [node]
    if cls:
        functions = graph.module(path).functions
        for name in SETUP_NAMES:
            if f"{cls}.{name}" in functions:
                starts.append((path, f"{cls}.{name}"))
                for target, distance in graph.reachable((path, f"{cls}.{name}"), CALL_DEPTH).items():
                    reach[target] = min(distance, reach.get(target, distance))
    if concrete is not None and concrete[1]:
        for start in starts:
            for target in _subject_calls(index, start, concrete):
                for found, distance in [(target, 1)] + [
                    (t, d + 1) for t, d in graph.reachable(target, CALL_DEPTH - 1).items()
                ]:
                    reach[found] = min(distance, reach.get(found, distance))
    return reach


def _subject_calls(index: RepoIndex, node: Node, concrete: tuple[str, str]) -> list[Node]:
    """Calls of `self.<attr>...` in a test method where the attribute is bound in the concrete test class's
    body (or a base's): `self.Cache(2).popitem()` in a mixin run as LFUCacheTest -> LFUCache.popitem."""
    graph = index.call_graph
    module = graph.module(node[0])
    receiver = module.receivers.get(node[1])
    found: list[Node] = []
    for chain in module.refs.get(node[1], []):
        if receiver and len(chain) >= 2 and chain[0] == receiver:
            for target in graph.attribute(concrete[0], concrete[1], chain[1], chain[2:]):
                if target not in found:
                    found.append(target)
    return found


def _other_tests(index: RepoIndex, failing: set[Node]) -> list[Node]:
    """Test functions in the failing tests' directories that are not among the failing ones."""
    directories = {path.rpartition("/")[0] for path, _ in failing}
    files = sorted({path for path, _ in failing})
    files += sorted(
        p
        for p in index.test_paths
        if p.endswith(".py") and p.rpartition("/")[0] in directories and p not in files
    )
    others: list[Node] = []
    for path in files[:MAX_TEST_FILES]:
        for symbol in index.call_graph.functions_in(path):
            name = symbol.rpartition(".")[2]
            if name.startswith("test") and (path, symbol) not in failing:
                others.append((path, symbol))
    return others


_WHERE = re.compile(r"^E\s+\+\s+where\s+.*?=\s+(.+)$")
_NONE_ATTRIBUTE = re.compile(r"'NoneType' object has no attribute '(\w+)'")
_WHERE_NONE = re.compile(r"^E\s+\+\s+where\s+None\s+=\s+(.+)$")
_REPR_FUNCTION = re.compile(r"<(?:bound method|function|built-in method|method)\s+([\w.<>]+)")
_REPR_OBJECT_ATTR = re.compile(r"<([\w.]+) object at 0x[0-9a-f]+>\.(\w+)")
_CALLED_NAME = re.compile(r"^([A-Za-z_][\w.]*)\s*\(")
# `Compose(<f>, <g>).__doc__`: an attribute (a property, most often) of an object the expression built.
_BUILT_ATTR = re.compile(r"^([A-Za-z_][\w.]*)\s*\(.*\)\.(\w+)$")


def assertion_signals(index: RepoIndex, evidence: Evidence | None, tests: list[FailingTest]) -> list[Signal]:
    """Functions the failing line calls and the ones pytest's `where` lines name, resolved through the
    test module's imports (as the call graph resolves them), else by a name defined in few places."""
    if evidence is None:
        return []
    by_id = {t.test_id: t for t in tests}
    hits: dict[Node, tuple[float, str]] = {}
    named_by: dict[Node, set[str]] = defaultdict(set)
    for failure in evidence.failures:
        test = by_id.get(failure.test_id)
        for line in failure.detail:
            chains: list[tuple[tuple[str, ...], float]] = []
            if line.startswith(">"):
                # `NoneType has no attribute` on this line: a call on it returned the None.
                weight = 1.0 if "NoneType" in failure.message else 0.7
                chains = [(c, weight) for c in _called_chains(line[1:].strip())]
                chains += [(c, weight) for c in _operator_chains(line[1:].strip())]
            elif match := _WHERE.match(line):
                chains = [(c, 1.0) for c in _where_chains(match.group(1))]
            for chain, weight in chains:
                for node in _resolve(index, test, chain):
                    named_by[node].add(failure.test_id)
                    if weight > hits.get(node, (0.0, ""))[0]:
                        hits[node] = (weight, f"assertion: {failure.test_id} calls {'.'.join(chain)}")
    # Named by every failing assertion counts fully; by one of many, less (one fault explains them all).
    total = max(len(evidence.failures), 1)
    return [
        Signal(
            path,
            symbol,
            SignalKind.ASSERTION,
            weight * math.sqrt(len(named_by[(path, symbol)]) / total),
            reason,
        )
        for (path, symbol), (weight, reason) in hits.items()
        if not _test_side(path, tests)
    ]


def none_source_signals(
    index: RepoIndex, evidence: Evidence | None, tests: list[FailingTest]
) -> list[Signal]:
    """When a failure is about None (`'NoneType' object ...`, `assert None == ...`), the None was most often
    returned by a function called on a line of the traceback, not by one still on the stack: the calls on
    each repository frame's line, innermost first, that are not themselves frames."""
    if evidence is None:
        return []
    graph = index.call_graph
    best: dict[Node, tuple[float, str]] = {}
    named_by: dict[Node, set[str]] = defaultdict(set)
    by_id = {t.test_id: t for t in tests}
    about_none = [
        f
        for f in evidence.failures
        if "NoneType" in f.message
        or f.message.startswith("assert None ")
        or any(_WHERE_NONE.match(line) for line in f.detail)
    ]
    for failure in about_none:
        # `where None = f(x)`: pytest saw f return the None that was compared; f or what it handed on made it.
        for line in failure.detail:
            if not (match := _WHERE_NONE.match(line)):
                continue
            for chain in _where_chains(match.group(1)):
                for node in _resolve(index, by_id.get(failure.test_id), chain):
                    for source, factor in [(node, 1.0)] + [(g, 0.9) for g in graph.passes_on(node)]:
                        if _test_side(source[0], tests):
                            continue
                        named_by[source].add(failure.test_id)
                        if factor > best.get(source, (0.0, ""))[0]:
                            why = f"none-source: {failure.test_id}: pytest shows {'.'.join(chain)} gave None"
                            best[source] = (factor, why)
        on_stack = {f.function for f in failure.frames if f.function}
        frames = [f for f in failure.frames if f.line]
        for distance, frame in enumerate(reversed(frames)):
            path = index.resolve_path(frame.path)
            info = index.add_file(path) if path else None
            if path is None or info is None or frame.line is None:
                continue
            chunk = info.symbol_at(frame.line)
            weight = FRAME_DECAY**distance
            code = _source_line(index, path, frame.line)
            # `'NoneType' object has no attribute 'search'` on `self._search_re.search(s)`: the None is
            # `self._search_re`, a property's or method's result, though no call of it is written out.
            missing = _NONE_ATTRIBUTE.search(failure.message)
            receivers = _receivers_of(code, missing.group(1)) if missing else []
            for chain in _called_chains(code) + [r for r in receivers if r not in _called_chains(code)]:
                if chain[-1] in on_stack:
                    continue
                where = f"{path}:{frame.line} calls {'.'.join(chain)}"
                for node in graph.resolve_in(path, chain, chunk.symbol if chunk else None):
                    # `return g(x)` hands g's None on: g is as likely a source as the function called here.
                    for source, factor in [(node, 1.0)] + [(g, 0.9) for g in graph.passes_on(node)]:
                        if _test_side(source[0], tests) or source[1].rpartition(".")[2] in CONSTRUCTORS:
                            continue  # a constructor's None is not its caller's object
                        named_by[source].add(failure.test_id)
                        if weight * factor > best.get(source, (0.0, ""))[0]:
                            best[source] = (weight * factor, f"none-source: {where} ({failure.message[:60]})")
    total = max(len(about_none), 1)
    return [
        Signal(p, s, SignalKind.NONE_SOURCE, w * math.sqrt(len(named_by[(p, s)]) / total), why)
        for (p, s), (w, why) in best.items()
    ]


def _test_side(path: str, tests: list[FailingTest]) -> bool:
    """Test code, or a helper module beside the failing tests (test/common.py's assert_equal): where the
    check failed, not where the fix goes."""
    return is_test_path(path) or path.rpartition("/")[0] in {t.path.rpartition("/")[0] for t in tests}


def _source_line(index: RepoIndex, path: str, line: int) -> str:
    """The statement starting at `line`, continuation lines joined: Python's traceback names a call split
    over lines (`m = self._re.search(\n s)`) by its first line, which alone does not parse."""
    lines = read_text(index.root, path).splitlines()
    if not 0 < line <= len(lines):
        return ""
    for end in range(line, min(line + STATEMENT_LINES, len(lines)) + 1):
        code = " ".join(text.strip() for text in lines[line - 1 : end])
        for candidate in (code, code + " pass"):
            try:
                ast.parse(candidate)
                return code
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
    return lines[line - 1]


def _through_test_locals(index: RepoIndex, test: FailingTest, chain: tuple[str, ...]) -> list[Node]:
    """`cache.popitem` on a failing line, where the test made `cache = self.Cache(2)` and its class says
    `Cache = LFUCache`; or `d + 1` where `d = Duration(1)`: what the local was made by, then the method."""
    node = node_of(index, test)
    if node is None:
        return []
    graph = index.call_graph
    module = graph.module(node[0])
    maker = module.made_by.get(node[1], {}).get(chain[0])
    if maker is not None:
        chain = (*maker, *chain[1:])
        found = graph.resolve_in(node[0], chain, node[1])
        if found:
            return found
    receiver = module.receivers.get(node[1])
    if test.cls and receiver and len(chain) >= 2 and chain[0] == receiver:
        return graph.attribute(test.path, test.cls, chain[1], chain[2:])
    return []


def _operator_chains(code: str) -> list[tuple[str, ...]]:
    """Operators on plain names in a source line, as (name, dunder): `len(cache)` -> ("cache", "__len__")."""
    try:
        tree = ast.parse(code.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return list(dict.fromkeys(use for node in ast.walk(tree) for use in operator_uses(node)))


def _receivers_of(code: str, attribute: str) -> list[tuple[str, ...]]:
    """Name chains whose `.attribute` one source line reads (`self._re.search(s)`, "search" -> self._re);
    a plain local (`m.group`) is left out: what it holds is not a definition to point at."""
    try:
        tree = ast.parse(code.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[tuple[str, ...]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == attribute:
            chain = name_chain(node.value)
            if chain and len(chain) >= 2 and chain not in found:
                found.append(chain)
    return found


def _called_chains(code: str) -> list[tuple[str, ...]]:
    """Name chains called in one source line (`assert tail(2, x) == y` -> [("tail",)])."""
    code = code.strip()
    for candidate in (code, code + " pass"):  # a block header (`with f(x):`) parses with a body
        try:
            tree = ast.parse(candidate)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        chains: list[tuple[str, ...]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                chain = name_chain(node.func)
                if chain and chain not in chains:
                    chains.append(chain)
        return chains
    return []


def _where_chains(expression: str) -> list[tuple[str, ...]]:
    """`tail(2, [1])`, `<bound method Box.get of ...>`, `<pkg.core.Box object at 0x..>.get`."""
    if match := _REPR_OBJECT_ATTR.search(expression):
        return [(*match.group(1).split("."), match.group(2))]
    if match := _BUILT_ATTR.match(expression):
        return [(*match.group(1).split("."), match.group(2))]
    if match := _REPR_FUNCTION.search(expression):
        return [tuple(match.group(1).replace("<locals>.", "").split("."))]
    if match := _CALLED_NAME.match(expression):
        return [tuple(match.group(1).split("."))]
    return []


def _resolve(index: RepoIndex, test: FailingTest | None, chain: tuple[str, ...]) -> list[Node]:
    graph = index.call_graph
    if test is not None:
        found = graph.resolve_in(test.path, chain) or _through_test_locals(index, test, chain)
        if found:
            return found
    if chain[-1].startswith("__") and len(chain) == 2:
        return []  # an operator on something the test did not build: an int's __add__ is not here
    resolved = index.resolve_module(".".join(chain)) if len(chain) > 1 else None
    if resolved is not None and resolved[1]:
        found = graph.resolve_in(resolved[0], tuple(resolved[1].split(".")))
        if found:
            return found
    # An unresolved receiver (`b.get()` where b is a local): the last name, when few places define it.
    defs = [c for c in index.definitions.get(chain[-1], []) if c.kind == "function" and c.symbol]
    if 0 < len(defs) <= 3 and chain[-1] not in {"__init__", "__call__"}:
        return [(c.path, c.symbol) for c in defs if c.symbol]
    return []


def named_module_signals(index: RepoIndex, tests: list[FailingTest]) -> list[Signal]:
    """`tests/test_queries.py` -> the one source module named `queries` (or `queries/__init__.py`)."""
    signals: list[Signal] = []
    for path in sorted({t.path for t in tests}):
        stem = path.rpartition("/")[2].removesuffix(".py")
        name = re.sub(r"^test_|_tests?$", "", stem)
        if not name or name == stem:
            continue
        matches = [p for p in index.modules.get(name, []) if not is_test_path(p)]
        if len(matches) == 1:
            signals.append(
                Signal(matches[0], None, SignalKind.TEST_MODULE, 1.0, f"test-module: {path} tests {name}")
            )
    return signals
