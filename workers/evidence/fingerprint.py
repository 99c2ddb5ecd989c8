"""A failure's fingerprint: what stays the same when the same bug fails CI again on a later commit.

Failing test ids, their error types and the deepest frame in the repository's own code (path and function,
not line: an unrelated edit above it moves the line, not the bug). Messages are left out, since they carry
addresses, timings and temporary paths that differ on every run. Pure logic.
"""

from __future__ import annotations

import hashlib

from workers.evidence.failures import Evidence, Failure


def _deepest_repo_frame(failure: Failure) -> str:
    frames = failure.repo_frames
    if not frames:
        return ""
    frame = frames[-1]
    return f"{frame.path}:{frame.function or ''}"


def failure_fingerprint(evidence: Evidence | None) -> str | None:
    """A short stable hash of the failure, or None when the evidence names none (nothing to remember)."""
    if evidence is None or not evidence.failures:
        return None
    parts = sorted(
        {f"{f.kind}\0{f.test_id}\0{f.error_type or ''}\0{_deepest_repo_frame(f)}" for f in evidence.failures}
    )
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]
