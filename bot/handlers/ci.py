"""A red CI run: `workflow_run` (GitHub Actions) or `check_suite` (any other CI) completed with failure."""

from __future__ import annotations

from typing import Any

from bot.context import Delivery, HandlerContext, Outcome
from bot.handlers.filters import is_bot_branch, is_bot_sender
from core.jobs import RepairRequest

FAILED = frozenset({"failure", "timed_out"})


def on_workflow_run_completed(ctx: HandlerContext, delivery: Delivery) -> Outcome:
    run = delivery.payload["workflow_run"]
    return _queue_ci_repair(
        ctx, delivery, run, workflow_run_id=int(run["id"]), check_suite_id=run.get("check_suite_id")
    )


def on_check_suite_completed(ctx: HandlerContext, delivery: Delivery) -> Outcome:
    suite = delivery.payload["check_suite"]
    return _queue_ci_repair(ctx, delivery, suite, workflow_run_id=None, check_suite_id=int(suite["id"]))


def _queue_ci_repair(
    ctx: HandlerContext,
    delivery: Delivery,
    source: dict[str, Any],
    *,
    workflow_run_id: int | None,
    check_suite_id: int | None,
) -> Outcome:
    payload = delivery.payload
    if source.get("conclusion") not in FAILED:
        return Outcome.ignored(f"conclusion is {source.get('conclusion')!r}")
    if is_bot_sender(payload, ctx.settings):
        return Outcome.ignored("run triggered by a bot")
    branch, sha = source.get("head_branch"), source.get("head_sha")
    if not branch or not sha:
        return Outcome.ignored("no head branch (a tag or a detached run)")
    if is_bot_branch(branch, ctx.settings):
        return Outcome.ignored(f"{branch} is one of the bot's own branches")
    repo = payload["repository"]["full_name"]
    head_repo = (source.get("head_repository") or {}).get("full_name")
    if head_repo and head_repo != repo:
        return Outcome.ignored(f"head is in the fork {head_repo}, which the App cannot push to")
    if not ctx.ledger.claim_ci_attempt(repo, sha, ctx.settings.bot_max_attempts_per_sha):
        return Outcome.ignored(f"{sha[:7]} was already attempted")
    request = RepairRequest(
        kind="ci",
        installation_id=int(payload["installation"]["id"]),
        repo_full_name=repo,
        delivery_id=delivery.delivery_id,
        head_branch=branch,
        head_sha=sha,
        workflow_run_id=workflow_run_id,
        check_suite_id=int(check_suite_id) if check_suite_id else None,
        pull_numbers=tuple(int(p["number"]) for p in source.get("pull_requests") or ()),
    )
    ctx.enqueuer.enqueue(request)
    return Outcome.queued(f"CI repair for {repo}@{branch} ({sha[:7]})")
