"""What the bot writes in its review on a fork's pull request, as templates. Pure logic."""

from __future__ import annotations

import re
from string import Template

from workers.github.report_text import tests_and_attempts
from workers.loop.repair_loop import RepairResult

REVIEW_BODY = Template("""\
$link_line I found a fix; the tests pass with it. This pull request comes from the fork $fork, where I \
cannot push, so the fix is offered here instead: $how

### What was wrong
$explanation

$tests
$outside
*Offered by codellama-bot. Comment `/codellama fix` with instructions on this pull request to ask again.*
$marker""")

HOW_SUGGESTIONS = Template(
    '$count suggestion(s) on the lines below. Add each to a batch ("Add suggestion to batch") and commit '
    "them together, so the tests see the whole fix."
)

OUTSIDE = Template("""
### Changes that cannot be suggestions
GitHub takes suggestions only on lines this pull request's diff shows (not in new or deleted files, nor \
in files it does not touch), so these are here as a patch for `git apply` from the root of your checkout:

${fence}diff
$diff${fence}
""")

_MARKER = Template("<!-- codellama-bot delivery: $delivery -->")


def marker(delivery_id: str) -> str:
    """Hidden in the review's body: a redelivered job finds its review already posted by it."""
    return _MARKER.substitute(delivery=delivery_id)


def review_body(
    result: RepairResult,
    *,
    link_line: str,
    fork: str,
    command: str,
    suggestions: int,
    outside_diff: str,
    delivery_id: str,
) -> str:
    how = HOW_SUGGESTIONS.substitute(count=suggestions) if suggestions else "a patch, below."
    if suggestions and outside_diff:
        how += " The rest is a patch, further down."
    return REVIEW_BODY.substitute(
        link_line=link_line,
        fork=f"`{fork}`" if fork else "(deleted)",
        how=how,
        explanation=result.explanation or "(the model gave no explanation)",
        tests=tests_and_attempts(result, command),
        outside=_outside(outside_diff),
        marker=marker(delivery_id),
    )


def _outside(diff: str) -> str:
    if not diff:
        return ""
    runs = [len(run) for run in re.findall(r"`+", diff)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return OUTSIDE.substitute(fence=fence, diff=diff if diff.endswith("\n") else diff + "\n")
