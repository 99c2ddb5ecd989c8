"""Evidence that points at code: stack frames of failing tests, and paths and names an issue mentions.

Each signal names a file (and a symbol when it can) with a weight in [0, 1] and a reason a person can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workers.checkout.files import is_test_path
from workers.evidence.failures import Evidence, Frame
from workers.retrieval.chunks import Chunk
from workers.retrieval.index import RepoIndex
from workers.retrieval.issue_lines import reporter_definitions
from workers.retrieval.issue_spans import code_spans, traceback_frames
from workers.retrieval.repo import read_text


class SignalKind(StrEnum):
    """Where a signal comes from; ranking weighs each kind (rank.WEIGHTS)."""

    FRAME = "frame"  # a frame of a failing test's traceback here
    COVERAGE = "coverage"  # lines run by failing tests more than by passing ones
    ISSUE_TRACEBACK = "issue-traceback"
    ISSUE_PATH = "issue-path"
    ISSUE_MESSAGE = "issue-message"
    MESSAGE = "message"  # a failure message's text found in the code
    NAME = "name"  # a name the failing test uses
    ISSUE_NAME = "issue-name"
    ISSUE_RAISE = "issue-raise"  # raises an exception the issue shows raised (issue_code.py)
    ISSUE_CALLS = "issue-calls"  # calls several names the issue's code calls (issue_code.py)
    ISSUE_CALLEE = "issue-callee"  # called by a function the issue names (issue_callees.py)
    IMPORT = "import"  # a module the failing test imports
    CALL_PATH = "call-path"  # on the failing tests' static call paths more than on the passing tests'
    ASSERTION = "assertion"  # called in the failing assertion, or named by pytest's `where ... = f(...)`
    NONE_SOURCE = "none-source"  # called on a traceback's line when the failure is about a None
    TEST_MODULE = "test-module"  # the module a failing test module is named for (test_queries -> queries)
    LEXICAL = "lexical"
    LEXICAL_FILE = "lexical-file"


@dataclass(frozen=True)
class Signal:
    path: str
    symbol: str | None
    kind: SignalKind
    weight: float
    reason: str


# Each step away from the innermost repository frame counts for less: the fix is usually where it failed.
FRAME_DECAY = 0.6
TEST_FAULT_ERRORS = {
    "SyntaxError",
    "IndentationError",
    "NameError",
    "ImportError",
    "ModuleNotFoundError",
    "fixture",
    "TypeError",
}


def frame_signals(index: RepoIndex, evidence: Evidence | None) -> list[Signal]:
    """Repository frames of each failure, innermost strongest, mapped to the enclosing symbol."""
    if evidence is None:
        return []
    signals: list[Signal] = []
    for failure in evidence.failures:
        # A failed assertion in a test says the code is wrong; a NameError or ImportError raised in the test's
        # own lines says the test itself may be.
        test_weight = 0.8 if failure.error_type in TEST_FAULT_ERRORS else 0.3
        context = f"failing test {failure.test_id}"
        signals.extend(_frames_to_signals(index, failure.frames, SignalKind.FRAME, context, test_weight))
    return signals


def _frames_to_signals(
    index: RepoIndex, frames: list[Frame], kind: SignalKind, context: str, test_weight: float = 0.3
) -> list[Signal]:
    """Frames innermost-last (Python's order). Out-of-repo frames still count when their path resolves here
    (a traceback from an installed copy of the package names site-packages/<pkg>/...)."""
    resolved: list[tuple[str, Frame]] = []
    for frame in frames:
        path = index.resolve_path(frame.path)
        if path is not None:
            resolved.append((path, frame))
    # A helper module beside the tests (test/common.py's assert_equal) raises the test's AssertionError; it is
    # test code, though its name does not say so.
    test_dirs = {path.rpartition("/")[0] for path, _ in resolved if is_test_path(path)}
    signals: list[Signal] = []
    for distance, (path, frame) in enumerate(reversed(resolved)):
        weight = FRAME_DECAY**distance
        if is_test_path(path) or path.rpartition("/")[0] in test_dirs:
            weight *= test_weight
        info = index.add_file(path)
        chunk = info.symbol_at(frame.line) if info is not None and frame.line else None
        if info is not None and frame.function and (chunk is None or chunk.name != frame.function):
            # The reporter's release is rarely this checkout: lines move, the function's name does not.
            named = [c for c in info.chunks if c.symbol and c.name == frame.function]
            chunk = min(named, key=lambda c: abs(c.start_line - (frame.line or 0))) if named else chunk
        where = f"{path}:{frame.line}" + (f" in {frame.function}" if frame.function else "")
        depth = "innermost frame" if distance == 0 else f"frame {distance} from innermost"
        signals.append(
            Signal(
                path, chunk.symbol if chunk else None, kind, weight, f"{kind}: {depth} {where} ({context})"
            )
        )
    return signals


_PATH = re.compile(
    r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(?:py|pyx|js|jsx|ts|tsx|go|rs|java|rb|c|h|cc|cpp|hpp))\b"
)
_DOTTED = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\b")
REPORTER_DEFINED = 0.3
MAX_QUOTE_CHECKS = 10
_IDENT = re.compile(r"\b([A-Za-z_]\w{2,})\b")
_IMPORTED = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)
_CALLED = re.compile(r"(?:\.|\b)([A-Za-z_]\w{2,})\s*\(|\.([A-Za-z_]\w{2,})\b")


def issue_signals(index: RepoIndex, text: str) -> list[Signal]:
    """Paths, tracebacks, dotted names and defined identifiers that the issue text mentions."""
    if not text:
        return []
    signals: list[Signal] = []
    # Each pasted traceback, innermost frames only (issue_spans caps them: a recursion can paste 100,000).
    frames = [Frame(f.path, f.line, f.function, False) for tb in traceback_frames(text) for f in tb]
    if frames:
        signals.extend(
            _frames_to_signals(index, frames, SignalKind.ISSUE_TRACEBACK, "traceback in the issue")
        )
    for match in _PATH.finditer(text):
        mentioned = match.group(1)
        path = index.resolve_path(mentioned)
        if path is None:
            continue
        exact = "/" in mentioned and path.endswith(mentioned.lstrip("./"))
        if is_test_path(path) and not exact:
            continue
        signals.append(
            Signal(
                path,
                None,
                SignalKind.ISSUE_PATH,
                1.0 if exact else 0.6,
                f"issue-path: issue names {mentioned}",
            )
        )
    code_text = "\n".join(code_spans(text))
    # Modules a reporter's snippet imports are what they use, not where the bug is.
    imported = {a or b for a, b in _IMPORTED.findall(text)}
    seen: set[str] = set()
    for match in _DOTTED.finditer(text):
        dotted = match.group(1)
        if dotted in seen:
            continue
        seen.add(dotted)
        for signal in _dotted_signals(index, dotted):
            if dotted in imported and signal.symbol is None:
                signal = Signal(
                    signal.path, None, signal.kind, signal.weight * 0.3, signal.reason + " (imported)"
                )
            signals.append(signal)
    for name, weight in _identifier_weights(index, text, code_text).items():
        for chunk in index.definitions.get(name, []):
            signals.append(
                Signal(
                    chunk.path,
                    chunk.symbol,
                    SignalKind.ISSUE_NAME,
                    weight,
                    f"issue-name: issue mentions {name}",
                )
            )
    return signals


def _dotted_signals(index: RepoIndex, dotted: str) -> list[Signal]:
    """`django.db.models.query.QuerySet.count` names a module and a symbol; `QuerySet.count` a symbol."""
    resolved = index.resolve_module(dotted)
    if resolved is not None and "." in dotted:
        path, rest = resolved
        info = index.files.get(path)
        symbol = None
        if info is not None and rest:
            names = {c.symbol for c in info.chunks if c.symbol}
            parts = rest.split(".")
            for cut in range(len(parts), 0, -1):
                if ".".join(parts[:cut]) in names:
                    symbol = ".".join(parts[:cut])
                    break
        if rest == "" or symbol is not None:
            # `from django.conf import settings` in a reporter's snippet names a package they use, not the
            # place of the bug: a package's __init__ counts little unless a symbol in it is named.
            weight = 0.3 if path.endswith("__init__.py") and symbol is None else 1.0
            return [
                Signal(
                    path, symbol, SignalKind.ISSUE_PATH, weight, f"issue-path: issue names module {dotted}"
                )
            ]
    # `Class.method`: only a definition whose qualified name ends with it.
    last = dotted.rsplit(".", 1)[-1]
    matches = [c for c in index.definitions.get(last, []) if c.symbol and c.symbol.endswith(dotted)]
    if 0 < len(matches) <= 3:
        return [
            Signal(
                c.path,
                c.symbol,
                SignalKind.ISSUE_NAME,
                1.0 / len(matches),
                f"issue-name: issue mentions {dotted}",
            )
            for c in matches
        ]
    return []


def _identifier_weights(index: RepoIndex, text: str, code_text: str) -> dict[str, float]:
    """Identifiers the repository defines and the issue uses as code, weighted by rarity.

    A name defined in one place (`bulk_create`) is strong; one defined in forty (`__init__`, `save`) is not.
    Plain words that happen to name a definition ("last", "promote") are left to the lexical ranking.
    """
    weights: dict[str, float] = {}
    in_code = set(_IDENT.findall(code_text))
    own = reporter_definitions(code_text)
    called = {a or b for a, b in _CALLED.findall(text)}
    for name in set(_IDENT.findall(text)):
        definitions = index.definitions.get(name)
        if not definitions:
            continue
        # CamelCase needs an inner capital: a capitalised first word of a sentence ("When") is prose.
        camel = name[0].isupper() and any(c.isupper() for c in name[1:]) and not name.isupper()
        if not (name in in_code or name in called or "_" in name.strip("_") or camel):
            continue
        # Short names ("hot", "draw") are common words even in code; long compound ones are specific.
        specificity = min(1.0, len(name.strip("_")) / 8)
        weights[name] = specificity / len({c.path for c in definitions})
        if name in own and not _quotes_project(index, own[name], definitions):
            # The reporter's own `class Article` or `def clean` shares a name with the project's by chance
            # or overrides it: what they built, rarely where the project is wrong. A definition line found
            # verbatim in the project is its source, quoted ("From source code: class ModelChoiceField...").
            weights[name] *= REPORTER_DEFINED
    return weights


def _quotes_project(index: RepoIndex, line: str, definitions: list[Chunk]) -> bool:
    """Whether an issue's defining line is one of the project's own definition lines of that name."""
    for chunk in definitions[:MAX_QUOTE_CHECKS]:
        lines = read_text(index.root, chunk.path).split("\n")
        header = lines[chunk.start_line - 1 : chunk.signature_end]
        if any(h.strip() == line for h in header):
            return True
    return False
