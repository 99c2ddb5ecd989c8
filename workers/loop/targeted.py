"""The command that runs only the failing tests, when the runner can name tests. Pure logic."""

from __future__ import annotations

import shlex

# Past this many ids the command line gets unwieldy and the gain over the whole suite small.
MAX_TARGETED = 40
# pytest's exit codes for "usage error" and "no tests collected": the ids did not name tests here, so the
# targeted run says nothing about the candidate and the whole suite has to decide.
INCONCLUSIVE_EXIT_CODES = (4, 5)


def targeted_command(test_command: str, test_ids: frozenset[str]) -> str | None:
    """`test_command` narrowed to `test_ids` (pytest node ids), or None when it cannot be narrowed."""
    if not test_ids or len(test_ids) > MAX_TARGETED or "pytest" not in test_command:
        return None
    if not all("::" in test_id for test_id in test_ids):
        return None  # a collection error names a module, and narrowing to it would hide the others
    return test_command + " " + " ".join(shlex.quote(test_id) for test_id in sorted(test_ids))
