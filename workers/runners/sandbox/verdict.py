"""Whether a run ended because the sandbox stopped it, rather than because of the code under test.

A reproduce-first loop must not "fix" a test that failed only because it ran out of time or memory here;
this names the limit so the report can say so.
"""

from __future__ import annotations

import re

from workers.runners.process import RunResult

SIGXCPU, SIGXFSZ, SIGKILL = 24, 25, 9

# Messages the usual runtimes print when an rlimit refuses them (Python, glibc, shells, the JVM, Node).
_MEMORY = re.compile(
    r"\bMemoryError\b|Cannot allocate memory|std::bad_alloc|OutOfMemoryError|heap out of memory"
)
_PROCESSES = re.compile(r"Resource temporarily unavailable|fork: retry|can't fork|Cannot fork")
_FILE_SIZE = re.compile(r"File too large")


def limit_hit(result: RunResult) -> str | None:
    """The sandbox limit that ended or broke this run, as a phrase for a report, or None."""
    if result.timed_out:
        return "wall-clock time limit"
    if result.output_truncated and result.exit_code == -SIGKILL:
        return "output size limit"
    if result.exit_code in (128 + SIGXCPU, -SIGXCPU):
        return "CPU time limit"
    if result.exit_code in (128 + SIGXFSZ, -SIGXFSZ):
        return "file size limit"
    if result.ok:
        return None
    for pattern, name in (
        (_MEMORY, "memory limit"),
        (_PROCESSES, "process limit"),
        (_FILE_SIZE, "file size limit"),
    ):
        if pattern.search(result.output):
            return name
    return None
