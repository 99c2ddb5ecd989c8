"""How a GitHub job ended: the status the task logs, the Check Run's conclusion and texts are read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workers.loop.repair_loop import RepairResult


class JobStatus(StrEnum):
    """How a GitHub job ended; the three in the middle are the repair's own endings (RepairStatus)."""

    PULL_REQUEST = "pull_request"
    REVISED = "revised"  # a new commit on the bot's own pull request
    SUGGESTED = "suggested"  # a review with suggestions on a fork's pull request
    ALREADY_DONE = "already_done"
    GAVE_UP = "gave_up"
    NOT_REPRODUCED = "not_reproduced"
    NOT_CODE = "not_code"
    MODEL_UNAVAILABLE = "model_unavailable"
    FAILED = "failed"
    BAD_CONFIG = "bad_config"
    # Held: the job did no work, by the repository's choice or a cost guard's (workers/github/cost_guards.py).
    AUTO_FIX_OFF = "auto_fix_off"
    REPEATED_FAILURE = "repeated_failure"
    OVER_BUDGET = "over_budget"
    PAUSED = "paused"


@dataclass(frozen=True)
class JobOutcome:
    status: JobStatus
    detail: str
    # The loop's result when the job got that far: the Check Run shows its attempt ledger.
    result: RepairResult | None = field(default=None, compare=False, repr=False)
    # Where the test commands came from (report_text.commands_from), shown under the Check Run's ledger.
    origin: str = field(default="", compare=False, repr=False)
