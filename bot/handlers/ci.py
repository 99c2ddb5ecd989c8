"""A red CI run: `workflow_run` (GitHub Actions) or `check_suite` (any other CI) completed with failure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Delivery, HandlerContext, Outcome
from bot.events import Account, CheckSuiteCompleted, PullNumber, WorkflowRunCompleted
from bot.handlers.filters import is_bot_branch, is_bot_sender
from core.jobs import RepairRequest

FAILED = frozenset({"failure", "timed_out"})


@dataclass(frozen=True)
class CiJob:
    """A failure worth a repair: the job to queue, and what to answer once it is queued."""

    request: RepairRequest
    queued: Outcome


def on_workflow_run_completed(
    ctx: HandlerContext, delivery: Delivery, event: WorkflowRunCompleted
) -> Outcome:
    return _queue(ctx, plan_workflow_run(ctx, delivery, event))


def on_check_suite_completed(ctx: HandlerContext, delivery: Delivery, event: CheckSuiteCompleted) -> Outcome:
    return _queue(ctx, plan_check_suite(ctx, delivery, event))


def plan_workflow_run(
    ctx: HandlerContext, delivery: Delivery, event: WorkflowRunCompleted
) -> CiJob | Outcome:
    """The job a completed workflow run asks for, or why it asks for none. No I/O."""
    run = event.workflow_run
    if run.head_repository is None:
        return Outcome.ignored("the run's head repository is gone")
    return _plan(
        ctx,
        delivery,
        _Failure(
            conclusion=run.conclusion,
            sender=event.sender,
            branch=run.head_branch,
            sha=run.head_sha,
            repo=event.repository.full_name,
            head_repo=run.head_repository.full_name,
            installation_id=event.installation.id,
            pulls=run.pull_requests,
        ),
        workflow_run_id=run.id,
        check_suite_id=run.check_suite_id,
    )


def plan_check_suite(ctx: HandlerContext, delivery: Delivery, event: CheckSuiteCompleted) -> CiJob | Outcome:
    suite = event.check_suite
    return _plan(
        ctx,
        delivery,
        _Failure(
            conclusion=suite.conclusion,
            sender=event.sender,
            branch=suite.head_branch,
            sha=suite.head_sha,
            repo=event.repository.full_name,
            head_repo=None,
            installation_id=event.installation.id,
            pulls=suite.pull_requests,
        ),
        workflow_run_id=None,
        check_suite_id=suite.id,
    )


@dataclass(frozen=True, kw_only=True)
class _Failure:
    """What both events say about a failed run, in the same words."""

    conclusion: str | None
    sender: Account
    branch: str | None
    sha: str
    repo: str
    head_repo: str | None
    installation_id: int
    pulls: list[PullNumber]


def _plan(
    ctx: HandlerContext,
    delivery: Delivery,
    failure: _Failure,
    *,
    workflow_run_id: int | None,
    check_suite_id: int | None,
) -> CiJob | Outcome:
    if failure.conclusion not in FAILED:
        return Outcome.ignored(f"conclusion is {failure.conclusion!r}")
    if is_bot_sender(failure.sender, ctx.settings):
        return Outcome.ignored("run triggered by a bot")
    branch, sha, repo = failure.branch, failure.sha, failure.repo
    if branch is None:
        return Outcome.ignored("no head branch (a tag, a detached run, or a fork's head in a check suite)")
    if is_bot_branch(branch, ctx.settings):
        return Outcome.ignored(f"{branch} is one of the bot's own branches")
    request = RepairRequest(
        kind="ci",
        installation_id=failure.installation_id,
        repo_full_name=repo,
        delivery_id=delivery.delivery_id,
        head_branch=branch,
        head_sha=sha,
        workflow_run_id=workflow_run_id,
        check_suite_id=check_suite_id,
        pull_numbers=tuple(p.number for p in failure.pulls),
        # A fork's head cannot take a push: the worker offers the fix as suggestions on its pull request.
        head_repo=failure.head_repo if failure.head_repo not in (None, repo) else None,
    )
    fork = f", head in the fork {request.head_repo}" if request.head_repo else ""
    return CiJob(request, Outcome.queued(f"CI repair for {repo}@{branch} ({sha[:7]}){fork}"))


def _queue(ctx: HandlerContext, planned: CiJob | Outcome) -> Outcome:
    """The blocking path (bot/fast_path.py has the event loop's): one of the commit's attempts, then the
    job."""
    if isinstance(planned, Outcome):
        return planned
    repo, sha = planned.request.repo_full_name, planned.request.head_sha or ""
    if not ctx.ledger.claim_ci_attempt(repo, sha, ctx.settings.bot_max_attempts_per_sha):
        return Outcome.ignored(f"{sha[:7]} was already attempted")
    try:
        ctx.enqueuer.enqueue(planned.request)
    except BaseException:
        # The attempt counts only once its job is queued: give it back so GitHub's redelivery can queue it.
        ctx.ledger.release_ci_attempt(repo, sha)
        raise
    return planned.queued
