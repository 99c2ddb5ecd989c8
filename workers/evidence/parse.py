"""parse_log: find which runners' output a log holds, read each, and merge what they found."""

from __future__ import annotations

import io
import re
from pathlib import Path

# Importing the runner modules (all but bounds) registers their parsers. When one log holds several
# runners' output, their failures are listed in registration order (these imports', kept alphabetical).
from workers.evidence import (  # noqa: F401
    bounds,
    cargo_log,
    gotest_log,
    jest_log,
    pycrash,
    pytest_log,
    surefire_log,
    sympy_log,
    unittest_log,
)
from workers.evidence.base import PARSERS, FailureList
from workers.evidence.clean import clean_text
from workers.evidence.failures import Evidence
from workers.evidence.paths import PathResolver

# "Working directory is '/home/runner/work/repo/repo'" (actions/checkout) names the checkout in a raw job log.
_WORKDIR = re.compile(r"^Working directory is '([^']+)'", re.M)


def parse_log(text: str, *, repo_root: Path | None = None, repo_name: str | None = None) -> Evidence:
    """Structured failures from a test runner's or CI job's output (any mix of the supported runners)."""
    if len(text) <= bounds.HEAD_CHARS + bounds.MARKER_CHARS + bounds.TAIL_CHARS:
        return parse_lines(clean_text(text), repo_root=repo_root, repo_name=repo_name)
    # Output that large is kept to what parse_log_file would keep, so time and memory stay bounded.
    lines, truncated = bounds.read_bounded(io.StringIO(text, newline=""))
    evidence = parse_lines(lines, repo_root=repo_root, repo_name=repo_name)
    evidence.truncated = evidence.truncated or truncated
    return evidence


def parse_lines(lines: list[str], *, repo_root: Path | None = None, repo_name: str | None = None) -> Evidence:
    """parse_log on lines already cleaned of CI prefixes and colour."""
    text = "\n".join(lines)
    resolver = PathResolver(repo_root, repo_name, roots=_WORKDIR.findall(text))
    found: list[Evidence] = []
    fallbacks: list[str] = []
    for name, parser_class in PARSERS.items():
        parser = parser_class()
        if not parser.detect(text):
            continue
        if parser_class.fallback:
            fallbacks.append(name)
            continue
        found.append(parser.parse(lines, resolver))
    if not any(evidence.failures or _has_counts(evidence) for evidence in found):
        # A crash before any runner reported (an import error at start-up, a plain script) is the failure.
        # Once a runner has reported, tracebacks elsewhere in the log are output of tests that passed.
        for name in fallbacks:
            evidence = PARSERS[name]().parse(lines, resolver)
            if evidence.failures:
                found.append(evidence)
    return merge(found)


def merge(parts: list[Evidence]) -> Evidence:
    """One Evidence from several runners' (or several runs'): failures in order, counts added up."""
    useful = [part for part in parts if part.failures or _has_counts(part)]
    if not useful:
        return Evidence(runner="unknown")
    failures = FailureList()
    for part in useful:
        for failure in part.failures:
            failures.add(failure)
    return Evidence(
        runner="+".join(dict.fromkeys(part.runner for part in useful)),
        failures=failures.items(),
        summary_failed=_total(part.summary_failed for part in useful),
        summary_passed=_total(part.summary_passed for part in useful),
        summary_errors=_total(part.summary_errors for part in useful),
        truncated=any(part.truncated for part in useful),
    )


def _has_counts(evidence: Evidence) -> bool:
    return any(
        v is not None for v in (evidence.summary_failed, evidence.summary_passed, evidence.summary_errors)
    )


def _total(values: object) -> int | None:
    numbers = [v for v in values if v is not None]  # type: ignore[attr-defined]
    return sum(numbers) if numbers else None
