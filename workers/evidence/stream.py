"""parse_log_file: parse_log for a log file of any size, within the bounds stated in bounds.py."""

from __future__ import annotations

from pathlib import Path

from workers.evidence.bounds import read_bounded
from workers.evidence.failures import Evidence
from workers.evidence.parse import parse_lines


def parse_log_file(path: Path, **kwargs: object) -> Evidence:
    """parse_log for a file on disk, in bounded memory and linear time (see bounds.py)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        lines, truncated = read_bounded(handle)
    evidence = parse_lines(lines, **kwargs)  # type: ignore[arg-type]
    evidence.truncated = evidence.truncated or truncated
    return evidence
