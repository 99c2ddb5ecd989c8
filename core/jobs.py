"""What a queued job carries: identifiers only, never tokens or objects (workers re-fetch state)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any, Literal, NamedTuple, get_args

# help: answer `/codellama help` (or an unknown subcommand) with the repository's configuration.
JobKind = Literal["issue", "ci", "help"]

# GitHub sends a GUID as the delivery id (X-GitHub-Delivery); it becomes the Celery task id, Redis keys and
# paths, so nothing of another shape is taken for one.
DELIVERY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

# The Celery task name is the only thing the receiver knows of the workers.
REPAIR_TASK = "workers.repair"
# Celery message priorities on Redis, where the lower number is served first (kombu keeps one list per
# step 0/3/6/9 and pops them in that order): a person waiting for an answer goes ahead of a CI repair that
# nobody asked for.
COMMAND_PRIORITY = 0
AUTOMATIC_PRIORITY = 6
# The Check Run every job on a commit shows; the receiver re-runs a job when someone re-runs this check.
CHECK_RUN_NAME = "codellama-bot"
# The check's button that runs the job again (check_run.requested_action carries it back).
RETRY_ACTION = "retry"


@dataclass(frozen=True)
class RepairRequest:
    """One request to repair a repository, as the webhook receiver understood it."""

    kind: JobKind
    installation_id: int
    repo_full_name: str
    delivery_id: str
    # issue jobs: the issue or pull request the comment was made on, and the comment itself.
    issue_number: int | None = None
    comment_id: int | None = None
    is_pull_request: bool = False
    instructions: str = ""
    requested_by: str = ""
    # A revision asked for in a pull request review (changes requested, or a review comment's command).
    review_id: int | None = None
    # help jobs: the subcommand the bot did not know, echoed in the answer.
    unknown_subcommand: str = ""
    # ci jobs: what failed, on which branch and commit.
    head_branch: str | None = None
    head_sha: str | None = None
    workflow_run_id: int | None = None
    check_suite_id: int | None = None
    pull_numbers: tuple[int, ...] = field(default_factory=tuple)
    # ci jobs on a fork's pull request: the fork (owner/name), which the App can read but not push to.
    head_repo: str | None = None

    def to_payload(self) -> dict[str, Any]:
        # Every field is a number, a string, None or the tuple of numbers: no deep copy (asdict's) needed.
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["pull_numbers"] = list(self.pull_numbers)
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> RepairRequest:
        data = dict(data)
        data["pull_numbers"] = tuple(data.get("pull_numbers") or ())
        return cls(**data)

    def to_json(self) -> str:
        """The request as Redis keeps it between deliveries: the receiver (bot/job_memory.py) and the
        workers (workers/queue/repo_memory.py) write it, the receiver reads it back with from_json."""
        return json.dumps(self.to_payload())

    @classmethod
    def from_json(cls, raw: str | bytes) -> RepairRequest:
        """A request to_json wrote. Raises ValueError or TypeError for anything else, such as the record of a
        version with other fields."""
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise TypeError(f"a stored request is a JSON object, not {type(data).__name__}")
        return cls.from_payload(data)

    def priority(self) -> int:
        """COMMAND_PRIORITY for what a person asked for (a command, a review, re-running a check), else
        AUTOMATIC_PRIORITY (a red CI run)."""
        if self.kind == "ci" and not self.requested_by:
            return AUTOMATIC_PRIORITY
        return COMMAND_PRIORITY

    def branch_name(self, prefix: str) -> str:
        """The branch the fix is pushed to; stable per request so that a retried job reuses it."""
        if self.kind == "issue":
            return f"{prefix}fix-issue-{self.issue_number}"
        return f"{prefix}fix-ci-{(self.head_sha or '')[:7]}"


_FIELD_NAMES = tuple(f.name for f in fields(RepairRequest))


class TaskLabel(NamedTuple):
    """A repair task's identity as its Celery `argsrepr` carries it."""

    kind: str
    repository: str
    delivery_id: str


# `[kind owner/repo delivery-id]`. Celery's own log lines about a task ("received", "succeeded") carry
# this string, not the payload; core/logs.py reads the job back out of it. ASCII only and of GitHub's
# shapes, so that a hostile string on the queue cannot put anything else into a log line.
_KINDS = "|".join(get_args(JobKind))
_REPOSITORY = r"[A-Za-z0-9._-]{1,100}/[A-Za-z0-9._-]{1,100}"
_LABEL = re.compile(rf"\[({_KINDS}) ({_REPOSITORY}) ({DELIVERY_ID.pattern})\]")


def task_argsrepr(request: RepairRequest) -> str:
    """What a worker's log shows for the job's arguments: its identity, not the whole payload."""
    return f"[{request.kind} {request.repo_full_name} {request.delivery_id}]"


def parse_task_argsrepr(text: str) -> TaskLabel | None:
    """The identity task_argsrepr wrote, or None for any other string."""
    found = _LABEL.fullmatch(text)
    return None if found is None else TaskLabel(*found.groups())
