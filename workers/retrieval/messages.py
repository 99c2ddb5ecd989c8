"""Error messages quoted in an issue or a log, found where the code raises them.

"Cannot resolve keyword 'foo' into field" in a report is most often raised by the very function that
needs the fix; the message's fixed parts are string literals in that function's source.
"""

from __future__ import annotations

import re

from workers.retrieval.index import RepoIndex
from workers.retrieval.issue_code import source_texts
from workers.retrieval.signals import Signal, SignalKind

_ERROR_LINE = re.compile(
    r"^\W*(?:E\s+)?(?:[\w.]+\.)?(\w*(?:Error|Exception|Warning|Exit|Failure)):\s*(.+)$", re.M
)
# What varies between a message and the literal that produced it: quoted values, numbers, reprs.
_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|<[^>]*>|\b\d[\w.]*|\{[^}]*\}|%\w|\(|\)|\[|\]")
# Python's own messages: they name no place in the repository.
BUILTIN_PHRASES = (
    "object has no attribute", "positional argument", "unexpected keyword argument", "is not defined",
    "unsupported operand type", "is not subscriptable", "is not callable", "not supported between instances",
    "index out of range", "cannot import name", "No module named", "object is not iterable",
    "maximum recursion depth", "division by zero", "invalid literal for int", "must be str, not",
    "object cannot be interpreted", "has no len", "referenced before assignment", "too many values to unpack",
    "not enough values to unpack", "can only concatenate",
)  # fmt: skip
MIN_FRAGMENT = 14
MAX_FILES = 4


def message_fragments(text: str) -> list[str]:
    """The fixed parts of each error message in `text`, long enough to be distinctive."""
    fragments: list[str] = []
    for match in _ERROR_LINE.finditer(text):
        for piece in _VARIABLE.split(match.group(2)):
            piece = piece.strip(" .,:;!?-")
            if any(phrase in piece for phrase in BUILTIN_PHRASES):
                continue
            if len(piece) >= MIN_FRAGMENT and " " in piece and piece not in fragments:
                fragments.append(piece)
    return fragments[:20]


def message_signals(index: RepoIndex, text: str, kind: SignalKind = SignalKind.ISSUE_MESSAGE) -> list[Signal]:
    """Symbols whose source holds a fixed part of an error message quoted in `text`."""
    fragments = message_fragments(text)
    if not fragments:
        return []
    hits: dict[str, list[tuple[str, int]]] = {f: [] for f in fragments}
    # The texts other issue signals read too, read once per index.
    for path, source in source_texts(index).items():
        for fragment in fragments:
            at = source.find(fragment)
            if at >= 0:
                hits[fragment].append((path, source.count("\n", 0, at) + 1))
    signals: list[Signal] = []
    for fragment, found in hits.items():
        files = {path for path, _ in found}
        if not found or len(files) > MAX_FILES:
            continue  # a phrase in many files ("is not a valid") says nothing about where
        for path, line in found:
            chunk = index.files[path].symbol_at(line)
            reason = f'{kind}: "{fragment[:60]}" appears at {path}:{line}'
            signals.append(Signal(path, chunk.symbol if chunk else None, kind, 1.0 / len(files), reason))
    return signals


# Identifiers of a project's own messages, quoted in a report: Django's system checks (`models.E028`),
# pylint's message ids (`W0611`) and symbolic names (`unused-import`). Each is a string literal at the place
# that emits it, usually the check that needs the fix.
_MESSAGE_ID = re.compile(
    r"(?<![\w.-])([a-z_]{2,30}\.[A-Z]\d{3}|[A-Z]\d{4}|[a-z]{2,20}(?:-[a-z]{2,20}){1,4})(?![\w-])"
)
MAX_IDS = 30


def message_id_signals(index: RepoIndex, text: str) -> list[Signal]:
    """Symbols where a message identifier the issue quotes is a whole string literal, in at most MAX_FILES
    files (a hyphenated word of prose that is also a literal in many files says nothing)."""
    ids = list(dict.fromkeys(_MESSAGE_ID.findall(text)))[:MAX_IDS]
    if not ids:
        return []
    literal = re.compile(r"(['\"])(" + "|".join(map(re.escape, ids)) + r")\1")
    found: dict[str, list[tuple[str, int]]] = {}
    for path, source in source_texts(index).items():
        if not any(i in source for i in ids):
            continue
        for match in literal.finditer(source):
            found.setdefault(match.group(2), []).append((path, source.count("\n", 0, match.start()) + 1))
    signals: list[Signal] = []
    for message_id, places in found.items():
        files = {path for path, _ in places}
        if len(files) > MAX_FILES:
            continue
        for path, line in places:
            chunk = index.files[path].symbol_at(line)
            reason = f"issue-message: message {message_id} is emitted at {path}:{line}"
            signal = Signal(
                path, chunk.symbol if chunk else None, SignalKind.ISSUE_MESSAGE, 1.0 / len(files), reason
            )
            signals.append(signal)
    return signals
