"""Code the failing tests exercise: what their files import and what names their test functions use.

Most failures are assertions inside the test, with no frame in the code at fault; the test's own text is
then the best pointer we have without running anything.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field

from workers.checkout.files import is_test_path
from workers.evidence.failures import Evidence
from workers.retrieval.chunks import Chunk
from workers.retrieval.index import RepoIndex
from workers.retrieval.lexical import tokenize
from workers.retrieval.repo import read_text
from workers.retrieval.signals import Signal, SignalKind


@dataclass
class FailingTest:
    """A failing test located in the checkout: its file, and its function and class when known."""

    test_id: str
    path: str
    function: str | None = None
    cls: str | None = None
    names: set[str] = field(default_factory=set)  # identifiers its body uses
    text: str = ""


_PYTEST_ID = re.compile(r"^([^:\s]+\.\w+)::(.+)$")
_UNITTEST_ID = re.compile(r"^(\w+) \(([\w.]+)\)")


def failing_tests(index: RepoIndex, evidence: Evidence | None) -> list[FailingTest]:
    """Find each failing test's file and function from its id, or from its frames in test files."""
    if evidence is None:
        return []
    found: list[FailingTest] = []
    for failure in evidence.failures:
        test = _from_id(index, failure.test_id)
        if test is None:
            for frame in failure.frames:
                path = index.resolve_path(frame.path)
                if path is not None and is_test_path(path):
                    test = FailingTest(failure.test_id, path, frame.function)
                    break
        if test is not None:
            _read_test(index, test)
            found.append(test)
    return found


def _from_id(index: RepoIndex, test_id: str) -> FailingTest | None:
    if match := _PYTEST_ID.match(test_id):
        path = index.resolve_path(match.group(1))
        parts = re.sub(r"\[.*$", "", match.group(2)).split("::")
        if path is None:
            return None
        return FailingTest(test_id, path, parts[-1], parts[-2] if len(parts) > 1 else None)
    # unittest and Django: "test_x (pkg.module.Class)" or "test_x (pkg.module.Class.test_x)" or dotted.
    if match := _UNITTEST_ID.match(test_id):
        function, dotted = match.group(1), match.group(2)
    else:
        dotted, _, function = test_id.rpartition(".")
        if not dotted:
            return None
    resolved = index.resolve_module(dotted)
    if resolved is None:
        return None
    path, rest = resolved
    cls = rest.split(".")[0] or None
    return FailingTest(test_id, path, function, cls)


def _read_test(index: RepoIndex, test: FailingTest) -> None:
    """Collect the names the test function (and its class's setUp) uses."""
    index.add_file(test.path)
    try:
        tree = ast.parse(read_text(index.root, test.path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    targets: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == test.cls:
            targets.extend(
                n for n in node.body if isinstance(n, ast.FunctionDef) and n.name.startswith("setUp")
            )
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == test.function:
            targets.append(node)
            test.text = ast.get_source_segment(read_text(index.root, test.path), node) or ""
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                test.names.add(node.id)
            elif isinstance(node, ast.Attribute):
                test.names.add(node.attr)


def imported_names(index: RepoIndex, path: str) -> dict[str, tuple[str, str | None]]:
    """Local name -> (repository file, symbol or None) for a test file's imports that resolve here."""
    try:
        tree = ast.parse(read_text(index.root, path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    package = path.rsplit("/", 1)[0].replace("/", ".") if "/" in path else ""
    found: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolved = index.resolve_module(alias.name)
                if resolved is not None and not resolved[1]:
                    found[alias.asname or alias.name.split(".")[0]] = (resolved[0], None)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                target = index.resolve_module(f"{module}.{alias.name}") or index.resolve_module(module)
                if target is None:
                    continue
                symbol = target[1] or None
                if symbol is None and index.resolve_module(module) == target:
                    symbol = alias.name  # `from pkg.mod import func` where func is not a module
                found[alias.asname or alias.name] = (target[0], symbol)
    return found


def exercised_signals(index: RepoIndex, tests: list[FailingTest]) -> list[Signal]:
    """Symbols the failing tests call (through their imports or by a name defined once here), and the files
    those tests import. A symbol used by many failing tests gains; so does one named in the test's name."""
    by_target: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    imports_by_file: dict[str, dict[str, tuple[str, str | None]]] = {}
    for test in tests:
        if test.path not in imports_by_file:
            imports_by_file[test.path] = imported_names(index, test.path)
        imports = imports_by_file[test.path]
        for name, (path, symbol) in imports.items():
            if symbol is None or name not in test.names:
                by_target[(path, None)].append(f"import: {test.path} imports {path}")
        for name in test.names:
            if name in imports and imports[name][1] is not None:
                path, symbol = imports[name]
                by_target[(path, symbol)].append(f"import: {test.test_id} uses {symbol} from {path}")
                continue
            defs = [c for c in index.definitions.get(name, []) if not is_test_path(c.path)]
            if 0 < len(defs) <= 3:
                for chunk in defs:
                    by_target[(chunk.path, chunk.symbol)].append(f"name: {test.test_id} uses {name}")
    total = max(len(tests), 1)
    test_names = " ".join(t.function or "" for t in tests).lower()
    used = set().union(*(t.names for t in tests)) if tests else set()
    signals: list[Signal] = []
    for (path, symbol), reasons in by_target.items():
        weight = (0.4 if symbol is None else 0.7) * min(len(reasons) / total, 1.0)
        if symbol is None:
            signals.append(Signal(path, None, SignalKind.IMPORT, weight, reasons[0]))
            continue
        name = symbol.rsplit(".", 1)[-1]
        if name.strip("_").lower() in test_names:
            weight = min(weight + 0.3, 1.0)  # test_merge_sorted tests merge_sorted
        definition = _chunk(index, path, symbol)
        if definition is None or definition.kind != "class":
            signals.append(Signal(path, symbol, SignalKind.NAME, weight, reasons[0]))
            continue
        # A class the test uses is a place, not the fault: the fault is in a method, most often the
        # constructor or one the test calls by name.
        signals.append(Signal(path, symbol, SignalKind.NAME, weight * 0.6, reasons[0]))
        for method in index.files[path].chunks:
            if method.kind != "function" or not (method.symbol or "").startswith(symbol + "."):
                continue
            if method.name == "__init__" or method.name in used:
                factor = 0.8 if method.name == "__init__" else 0.9
                why = f"{reasons[0]} (method {method.name})"
                signals.append(Signal(path, method.symbol, SignalKind.NAME, weight * factor, why))
    return signals


def _chunk(index: RepoIndex, path: str, symbol: str) -> Chunk | None:
    info = index.files.get(path)
    if info is None:
        return None
    return next((c for c in info.chunks if c.symbol == symbol), None)


def test_query_terms(tests: list[FailingTest]) -> list[str]:
    """Terms for a lexical search from the failing tests: their names and the identifiers they use."""
    terms: list[str] = []
    for test in tests:
        terms.extend(tokenize(" ".join(filter(None, [test.function, test.cls]))) * 2)
        terms.extend(tokenize(" ".join(sorted(test.names))))
    return terms
