"""Why a job gave up, in one phrase: when no answer could even be applied, the person must hear that every
answer was refused and why ("the quoted lines match 2 places"), not that the tests kept failing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from workers.edits import ApplyReport

REASON_CHARS = 160


class Tried(Protocol):
    """One candidate's record: whether its edits applied and, if not, the short reason."""

    applied: bool
    refusal: str


def refusal_of(report: ApplyReport) -> str:
    """The first refusal's reason in an answer's report, shortened (rolled-back siblings say nothing new)."""
    reasons = [o.reason for o in report.outcomes if o.status == "refused" and o.reason]
    first = next((r for r in reasons if not r.startswith("rolled back")), reasons[0] if reasons else "")
    return short(first or "the edits were refused")


def short(reason: str) -> str:
    """A reason's first clause without details: line numbers differ between answers, the cause does not."""
    clause = re.split(r";|\.\s|\n", reason, maxsplit=1)[0].strip().rstrip(".")
    clause = re.sub(r"\s*\((?:lines?|line numbers?) [^)]*\)", "", clause)
    return clause[:REASON_CHARS] + ("…" if len(clause) > REASON_CHARS else "")


def give_up_reason(attempts: Sequence[Tried], *, rounds: int, candidates: int, stopped_by: str) -> str:
    """The reason a job ended without a fix, after `rounds` rounds of `candidates` answers."""
    if attempts and not any(a.applied for a in attempts):
        counts = Counter(a.refusal or "the edits change nothing" for a in attempts)
        why = "; ".join(
            f"{reason} ({n}×)" if len(counts) > 1 else reason for reason, n in counts.most_common(3)
        )
        more = f"; and {len(counts) - 3} other reason(s)" if len(counts) > 3 else ""
        return (
            f"all {len(attempts)} answer(s) were refused, so no edit was tested ({why}{more}); "
            f"stopped by {stopped_by}"
        )
    return (
        f"no candidate made the failing tests pass without breaking others in {rounds} round(s) "
        f"of {candidates} candidate(s); stopped by {stopped_by}"
    )
