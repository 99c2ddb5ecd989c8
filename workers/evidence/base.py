"""The registry of runner parsers: each runner's output format is one small class with a name."""

from __future__ import annotations

import re
from typing import ClassVar

from workers.evidence.failures import Evidence, Failure
from workers.evidence.paths import PathResolver


class RunnerParser:
    """Reads one test runner's output.

    Contract: `detect` is cheap and looks at the whole cleaned text; `parse` returns only failures the log
    shows failing (never a guess), each test once, in the order the log shows them, and the runner's own
    counts when it printed a summary line (else None).
    """

    name: ClassVar[str]
    # A pattern whose presence anywhere in the log means this runner's output is in it.
    signature: ClassVar[re.Pattern[str]]
    # Consulted only when no other parser found a failure or a count (a crash before any runner reported).
    fallback: ClassVar[bool] = False

    def detect(self, text: str) -> bool:
        return bool(self.signature.search(text))

    def parse(self, lines: list[str], resolver: PathResolver) -> Evidence:
        raise NotImplementedError


PARSERS: dict[str, type[RunnerParser]] = {}


def register(cls: type[RunnerParser]) -> type[RunnerParser]:
    """Class decorator: add a parser under its name (the order of registration is the order of detection)."""
    if cls.name in PARSERS:
        raise ValueError(f"two log parsers are named {cls.name!r}")
    PARSERS[cls.name] = cls
    return cls


class FailureList:
    """Failures in log order, one per (kind, id); a later sighting fills in what an earlier one lacked."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], Failure] = {}

    def add(self, failure: Failure) -> Failure:
        key = (failure.kind, failure.test_id)
        known = self._by_key.get(key)
        if known is None:
            self._by_key[key] = failure
            return failure
        if not known.frames and failure.frames:
            known.frames = failure.frames
        if known.error_type is None and failure.error_type:
            known.error_type = failure.error_type
        if not known.message and failure.message:
            known.message = failure.message
        if not known.detail and failure.detail:
            known.detail = failure.detail
        if not known.excerpt and failure.excerpt:
            known.excerpt = failure.excerpt
        return known

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._by_key

    def items(self) -> list[Failure]:
        return list(self._by_key.values())


def excerpt_of(lines: list[str], limit: int = 60, width: int = 300) -> str:
    """The first `limit` lines of a failure's own log text, each cut to `width` characters."""
    kept = [line if len(line) <= width else line[:width] + " …" for line in lines[:limit]]
    if len(lines) > limit:
        kept.append(f"… ({len(lines) - limit} more lines)")
    return "\n".join(kept).strip("\n")
