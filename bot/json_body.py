"""Reading a delivery's body as JSON, refusing what GitHub never sends instead of crashing on it.

The standard parser recurses once per nesting level (1,000 levels is a RecursionError), keeps the last of
duplicate keys, accepts NaN and Infinity, and turns "\\ud800" into a lone surrogate that later breaks
anything that encodes the text. Each of these is refused here with a reason naming where it was found.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.refused import Refused

MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")
# Strict UTF-8 decoding lets no surrogate into the text, so the parser can only make one from a \u escape
# (\ud800-\udfff). A body without such an escape cannot hold one. (An escaped backslash before "ud800" also
# matches: that only sends the body down the slow, exact walk.)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Invalid(ValueError):
    """Raised from inside the parser's hooks."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # in C; a key seen twice makes the dict shorter than the list
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Invalid(f"duplicate key {_show(key)}")
            seen.add(key)
    return result


class _CountingHook:
    """_no_duplicates that counts the objects it made: with the arrays, a bound on the nesting depth."""

    __slots__ = ("objects",)

    def __init__(self) -> None:
        self.objects = 0

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        self.objects += 1
        return _no_duplicates(pairs)


def _no_constants(name: str) -> Any:
    raise _Invalid(f"{name} is not a JSON number")


def parse_object(body: bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The body as a JSON object, or Refused(400) saying what is wrong with it."""
    try:
        text = body.decode("utf-8")  # strict: invalid UTF-8 and encoded surrogates are errors
    except UnicodeDecodeError as exc:
        raise Refused(400, f"body is not UTF-8: invalid byte at offset {exc.start}") from None
    if text.startswith("\ufeff"):
        raise Refused(400, "body starts with a byte order mark")
    hook = _CountingHook()
    try:
        value = json.loads(text, object_pairs_hook=hook, parse_constant=_no_constants)
    except RecursionError:
        raise Refused(400, f"body is nested deeper than {max_depth} levels") from None
    except _Invalid as exc:
        raise Refused(400, f"body is not valid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise Refused(400, f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise Refused(400, f"body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Refused(400, f"body is a JSON {type(value).__name__}, not an object")
    # Nesting cannot exceed the number of containers: every object went through the hook, and every array
    # opened with a "[" (those inside strings only add to the count). GitHub's payloads stay well under the
    # limit this way, where counting "{" too did not (URL templates such as "{/number}" hold one each), and
    # the walk below cost a third of the parse.
    deep = hook.objects + body.count(b"[") > max_depth and not _depth_within(value, max_depth)
    if deep or _SURROGATE_ESCAPE.search(text):
        _check_tree(value, max_depth)  # finds what is wrong, and names where
    return value


def _depth_within(root: dict[str, Any], max_depth: int) -> bool:
    """True when no container is nested deeper than max_depth: the walk over containers only, without the
    paths and string checks of _check_tree (a fifth of the receiver's time per delivery)."""
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return False
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return True


def _check_tree(root: dict[str, Any], max_depth: int) -> None:
    """Depth and lone surrogates, walked without recursion so that no input can exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(root, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise Refused(400, f"body is nested deeper than {max_depth} levels (at {_path(where)})")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in items:
                if isinstance(key, str) and _SURROGATE.search(key):
                    raise Refused(400, f"a key in {_path(where)} holds a lone surrogate")
                stack.append((child, f"{where}.{key}" if where else str(key), depth + 1))
        elif isinstance(value, str) and _SURROGATE.search(value):
            raise Refused(400, f"{_path(where)} holds a lone surrogate (\\ud800-\\udfff), which is not text")


def _show(key: str) -> str:
    return repr(_SURROGATE.sub("\ufffd", key[:80]))


def _path(where: str) -> str:
    if not where:
        return "the top level"
    return where if len(where) <= 120 else "…" + where[-119:]
