"""What the worker writes in a job's row of the jobs list (core/job_registry.py): its phase as it goes,
and at the end how it ended, what it spent and where on GitHub to look."""

from __future__ import annotations

from core.job_registry import JobRegistry, request_links
from core.jobs import RepairRequest
from workers.github import check_text
from workers.github.outcome import JobOutcome, JobStatus
from workers.loop.progress import Phase, Round

# The outcomes whose detail is the address of what the job made (a pull request, a revision, a review).
_LINKED = (JobStatus.PULL_REQUEST, JobStatus.REVISED, JobStatus.SUGGESTED, JobStatus.ALREADY_DONE)


class RowProgress:
    """The phase in the job's row, by the Check Run's title for it; with the spend so far at each round.
    Never raises: the registry's writes log their failures."""

    def __init__(self, registry: JobRegistry, job_id: str) -> None:
        self._registry, self._job = registry, job_id

    def phase(self, phase: Phase) -> None:
        title = check_text.for_phase(phase).title
        if isinstance(phase, Round):
            # Round n starts with the totals of the rounds before it.
            self._registry.phase(self._job, title, tokens=phase.tokens, rounds=phase.number - 1)
        else:
            self._registry.phase(self._job, title)


def ended(registry: JobRegistry, request: RepairRequest, outcome: JobOutcome, api_url: str) -> None:
    links = request_links(request, api_url)
    if outcome.status in _LINKED and outcome.detail.startswith(("https://", "http://")):
        links.append(outcome.detail)
    spend = outcome.result.spend if outcome.result else None
    registry.done(
        request.delivery_id,
        str(outcome.status),
        outcome.detail,
        tokens=spend.tokens if spend else 0,
        rounds=spend.rounds if spend else 0,
        links=links,
    )
