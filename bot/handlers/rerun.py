"""`check_run` rerequested or requested_action: someone re-ran the bot's own Check Run, or pressed its Retry
button. The job that check belongs to runs again, as a person's request: the automatic guards (a failure
already given up on, the pause after repeated give-ups) do not hold it back, the daily budget still does."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Delivery, HandlerContext, Outcome
from bot.events import CheckRun, CheckRunRequestedAction, CheckRunRerequested
from bot.handlers.comments import queue_job
from bot.handlers.filters import is_bot_sender
from core.jobs import CHECK_RUN_NAME, RETRY_ACTION


def on_check_run_rerequested(ctx: HandlerContext, delivery: Delivery, event: CheckRunRerequested) -> Outcome:
    return _rerun(ctx, delivery, event.check_run, event)


def on_check_run_requested_action(
    ctx: HandlerContext, delivery: Delivery, event: CheckRunRequestedAction
) -> Outcome:
    if event.requested_action.identifier != RETRY_ACTION:
        return Outcome.ignored(f"unknown action {event.requested_action.identifier[:40]!r}")
    return _rerun(ctx, delivery, event.check_run, event)


def _rerun(
    ctx: HandlerContext,
    delivery: Delivery,
    check: CheckRun,
    event: CheckRunRerequested | CheckRunRequestedAction,
) -> Outcome:
    # Every App's checks on the repository are delivered to every App: only ours is ours to re-run.
    if check.app is None or check.app.id != ctx.settings.github_app_id or check.name != CHECK_RUN_NAME:
        return Outcome.ignored("another App's check run")
    if is_bot_sender(event.sender, ctx.settings):
        return Outcome.ignored("re-run by a bot")
    repo, login = event.repository.full_name, event.sender.login
    if not ctx.github.can_write(event.installation.id, repo, login):
        return Outcome.ignored(f"{login} lacks write permission on {repo}")
    last = ctx.memory.for_commit(repo, check.head_sha)
    if last is None:
        return Outcome.ignored(f"no job remembered for {check.head_sha[:7]}; it may have expired")
    again = replace(last, delivery_id=delivery.delivery_id, requested_by=login)
    return queue_job(ctx, again, f"re-run of {last.delivery_id} on {repo}@{check.head_sha[:7]} by {login}")
