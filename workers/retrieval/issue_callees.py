"""One call down from what the issue names: a public method the reporter calls (`QuerySet.defer`) is often a
thin wrapper over the function that does the work (`Query.add_deferred_loading`), where the fix goes.

Callees are found by name alone (no types): a name the body calls that the project defines in at most
MAX_DEFINITIONS places. A definition in many places (`clone`, `add`) says nothing about which one runs. A
callee beside the caller counts too: measured on 143 tasks, leaving them out lost two that a same-file helper
put first and won one.
"""

from __future__ import annotations

import re

from workers.checkout.files import is_test_path
from workers.retrieval.index import RepoIndex
from workers.retrieval.repo import read_text
from workers.retrieval.signals import Signal, SignalKind

MAX_DEFINITIONS = 2
# Only the strongest few named functions: a weakly named one's callees are noise twice removed.
MAX_CALLERS = 6
# A short everyday name the issue uses (`array`, `empty`) is a weak caller: its callees are noise.
MIN_CALLER_WEIGHT = 0.75
# A caller calls many functions; each callee takes at most this share of its caller's weight.
CALLEE_SHARE = 0.5
_CALL = re.compile(r"(?:\.|(?<![\w.]))([A-Za-z_]\w{2,80})\s*\(")


def _specific(symbol: str, text: str) -> bool:
    """A compound name (`add_subplot`, `plot_surface`) or one the issue qualifies (`QuerySet.defer`); a plain
    word the project happens to define (`default`, `render`) names no particular function to descend from."""
    name = symbol.rsplit(".", 1)[-1].strip("_")
    if "_" in name or any(c.isupper() for c in name[1:]):
        return True
    return "." in symbol and ".".join(symbol.split(".")[-2:]) in text


def callee_signals(index: RepoIndex, named: list[Signal], text: str) -> list[Signal]:
    """Functions called by the functions the issue `text` names specifically (its ISSUE_NAME signals on a
    function), found by name."""
    callers: dict[tuple[str, str], float] = {}
    for signal in named:
        if (
            signal.kind is SignalKind.ISSUE_NAME
            and signal.symbol
            and signal.weight >= MIN_CALLER_WEIGHT
            and _specific(signal.symbol, text)
        ):
            key = (signal.path, signal.symbol)
            callers[key] = max(callers.get(key, 0.0), signal.weight)
    signals: list[Signal] = []
    for (path, symbol), weight in sorted(callers.items(), key=lambda item: (-item[1], item[0]))[:MAX_CALLERS]:
        info = index.files.get(path)
        chunk = next((c for c in info.chunks if c.symbol == symbol), None) if info else None
        # A test file the evidence indexed is the reporter's or the suite's, not a wrapper over project code.
        if chunk is None or chunk.kind != "function" or is_test_path(path):
            continue
        # Only the callers' own files are read: the whole tree's texts cost a fresh process 0.2 s.
        body = "\n".join(read_text(index.root, path).split("\n")[chunk.signature_end : chunk.end_line])
        for name in dict.fromkeys(_CALL.findall(body)):
            definitions = [c for c in index.definitions.get(name, []) if c.kind == "function"]
            if not 0 < len(definitions) <= MAX_DEFINITIONS:
                continue
            for callee in definitions:
                if (callee.path, callee.symbol) == (path, symbol):
                    continue
                signals.append(
                    Signal(
                        callee.path,
                        callee.symbol,
                        SignalKind.ISSUE_CALLEE,
                        weight * CALLEE_SHARE / len(definitions),
                        f"issue-callee: called by {symbol}, which the issue names",
                    )
                )
    return signals
