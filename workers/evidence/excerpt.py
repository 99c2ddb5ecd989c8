"""prompt_excerpt: the part of the failure evidence worth showing the model, within a character budget."""

from __future__ import annotations

import re

from workers.evidence.failures import BUILD, COLLECTION, CRASH, TEST, Evidence, Failure, Frame

# Frames shown per failure: the outermost repository frame (the test) and the innermost ones (the code).
_INNER_FRAMES = 6
_DETAIL_LINES = 10
_LINE_CHARS = 240
_LABELS = {TEST: "FAILED", COLLECTION: "ERROR collecting", BUILD: "BUILD FAILED", CRASH: "CRASHED"}


def prompt_excerpt(evidence: Evidence, max_chars: int) -> str:
    """Failures in order of importance, each with its id, error, repository frames and assertion lines.

    Importance: failures that stop everything else (build, collection, crash) first; then one failure per
    distinct error (same type, message and innermost repository frame), in log order; then the repeats, which
    are only named. Never longer than max_chars.
    """
    if max_chars <= 0 or not evidence.failures:
        return ""
    leaders, repeats = _ranked(evidence.failures)
    parts: list[str] = []
    used = 0
    shown = 0
    for failure in leaders:
        block = _render(failure, full=True)
        if used + len(block) + 2 > max_chars:
            block = _render(failure, full=False)
        if used + len(block) + 2 > max_chars:
            if not parts:
                # Even a tiny budget shows the most important failure's first lines rather than nothing.
                parts.append(block[:max_chars])
                shown = 1
            break
        parts.append(block)
        used += len(block) + 2
        shown += 1
    rest = [f.test_id for f in leaders[shown:]] + [f.test_id for f in repeats]
    if rest:
        note = _listing(rest, max_chars - used - 2)
        if note:
            parts.append(note)
    text = "\n\n".join(parts)
    return text[:max_chars]


def _ranked(failures: list[Failure]) -> tuple[list[Failure], list[Failure]]:
    blocking = [f for f in failures if f.kind != TEST]
    tests = [f for f in failures if f.kind == TEST]
    leaders: list[Failure] = []
    repeats: list[Failure] = []
    seen: set[tuple[object, ...]] = set()
    # Failures with evidence first: a test known only from a summary line says little.
    tests.sort(key=lambda f: 0 if (f.frames or f.detail or f.message) else 1)
    for failure in tests:
        key = _signature(failure)
        if key in seen:
            repeats.append(failure)
        else:
            seen.add(key)
            leaders.append(failure)
    return blocking + leaders, repeats


def _signature(failure: Failure) -> tuple[object, ...]:
    """Failures with one signature are one problem: the same error raised at the same repository line."""
    inner = failure.repo_frames[-1] if failure.repo_frames else None
    if inner is not None:
        return (failure.error_type, inner.path, inner.line)
    return (failure.error_type, failure.message[:120])


def _render(failure: Failure, *, full: bool) -> str:
    lines = [f"{_LABELS.get(failure.kind, 'FAILED')} {failure.test_id}".rstrip()]
    error = ": ".join(part for part in (failure.error_type or "", failure.message) if part)
    if error:
        lines.append(_cut(error))
    frames = _shown_frames(failure.repo_frames)
    if not full:
        frames = frames[-1:]
    for frame in frames:
        where = f"{frame.path}:{frame.line}" if frame.line is not None else frame.path
        lines.append(f"  at {where}" + (f" in {frame.function}" if frame.function else ""))
    if full:
        # The error line is already shown; runners often repeat it (or its message) among their own lines.
        said = {error, failure.message} - {""}
        detail = [line for line in failure.detail if re.sub(r"^E\s+", "", line.strip()) not in said]
        lines.extend(_cut(line) for line in detail[:_DETAIL_LINES])
    return "\n".join(lines)


def _shown_frames(frames: list[Frame]) -> list[Frame]:
    """Repository frames without the repeats of a recursion, the test's own frame plus the innermost few."""
    unique: list[Frame] = []
    for frame in frames:
        if not unique or unique[-1] != frame:
            unique.append(frame)
    if len(unique) <= _INNER_FRAMES + 1:
        return unique
    return [unique[0], *unique[-_INNER_FRAMES:]]


def _listing(ids: list[str], budget: int) -> str:
    head = f"{len(ids)} more failing:"
    if budget < len(head):
        return ""
    text = head
    for index, test_id in enumerate(ids):
        piece = f" {test_id}" + ("," if index < len(ids) - 1 else "")
        if len(text) + len(piece) + 4 > budget:
            return text + " …"
        text += piece
    return text


def _cut(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= _LINE_CHARS else line[: _LINE_CHARS - 1] + "…"
