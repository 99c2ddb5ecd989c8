"""Cost and loop guards: when the bot does not pay for a repair again.

- A CI failure the bot already gave up on (same fingerprint, workers/evidence/fingerprint.py) is not retried
  automatically on a later commit; a maintainer's command still is.
- A repository has a daily budget of jobs and model tokens (settings; its .github/codellama.yml may lower
  them, never raise them), counted in UTC days. Commands over it are told so; CI jobs end quietly.
- After `auto_give_ups_before_pause` automatic repairs in a row gave up, automatic CI repairs in the
  repository pause, with one comment; any repair that opens a pull request (a `/codellama fix`, say) ends the
  pause. Commands work throughout.

Pure decisions over RepoMemory's counts; the job does the talking.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.jobs import RepairRequest
from core.settings import Settings
from workers.checkout.repo_config import RepoConfig
from workers.queue.repo_memory import RepoMemory


class HoldKind(StrEnum):
    REPEATED_FAILURE = "repeated_failure"
    OVER_BUDGET = "over_budget"
    PAUSED = "paused"


@dataclass(frozen=True)
class Hold:
    """Why this job does no work; `tell` when the person who asked should hear it."""

    kind: HoldKind
    detail: str
    tell: bool


def _automatic(request: RepairRequest) -> bool:
    # A CI job someone re-ran from its check is asked for, like a command.
    return request.kind == "ci" and not request.requested_by


def hold_before_start(
    settings: Settings, memory: RepoMemory, request: RepairRequest, fingerprint: str | None
) -> Hold | None:
    """Checked before anything is cloned or asked; a job that passes is counted against today's budget."""
    automatic = _automatic(request)
    if automatic and memory.automatic_give_ups() >= settings.auto_give_ups_before_pause:
        return Hold(HoldKind.PAUSED, "automatic repairs are paused after repeated give-ups", tell=False)
    if automatic and fingerprint is not None:
        earlier = memory.earlier_attempt(fingerprint)
        if earlier is not None:
            return Hold(
                HoldKind.REPEATED_FAILURE, f"the bot already gave up on this failure: {earlier}", False
            )
    over = _over_budget(memory, settings.daily_job_budget, settings.daily_token_budget, counted=False)
    if over:
        return Hold(HoldKind.OVER_BUDGET, over, tell=not automatic)
    memory.count_job()
    return None


def hold_for_repository(memory: RepoMemory, request: RepairRequest, repo: RepoConfig) -> Hold | None:
    """The repository's own, lower budgets, once its config is read (this job is already counted)."""
    over = _over_budget(
        memory, repo.daily_jobs, repo.daily_tokens, counted=True, where="its .github/codellama.yml"
    )
    return Hold(HoldKind.OVER_BUDGET, over, tell=not _automatic(request)) if over else None


def _over_budget(
    memory: RepoMemory,
    jobs: int | None,
    tokens: int | None,
    *,
    counted: bool,
    where: str = "the bot's settings",
) -> str:
    done = memory.jobs_today() - (1 if counted else 0)
    if jobs is not None and done >= jobs:
        return f"the repository's daily budget of {jobs} jobs ({where}) is spent; it renews at 00:00 UTC"
    spent = memory.tokens_today()
    if tokens is not None and spent >= tokens:
        return (
            f"the repository's daily budget of {tokens:,} model tokens ({where}) is spent ({spent:,}); "
            "it renews at 00:00 UTC"
        )
    return ""


def record_end(
    settings: Settings,
    memory: RepoMemory,
    request: RepairRequest,
    *,
    opened_pull: bool,
    gave_up: bool,
    fingerprint: str | None,
    tokens: int,
    description: str,
) -> bool:
    """Count what the job spent and how it ended; True when this give-up pauses automatic repairs."""
    memory.add_tokens(tokens)
    if opened_pull:
        memory.reset_give_ups()
        return False
    if not (gave_up and _automatic(request)):
        return False
    if fingerprint is not None:
        memory.remember_give_up(fingerprint, description)
    return memory.count_automatic_give_up() == settings.auto_give_ups_before_pause
