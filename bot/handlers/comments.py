"""`issue_comment` created: a maintainer addresses the bot with `/codellama <subcommand>`."""

from __future__ import annotations

import logging
from dataclasses import replace
from string import Template

from bot.commands import Fix, Help, Retry, Stop, Unknown, parse_command
from bot.context import Delivery, HandlerContext, Outcome
from bot.events import IssueCommentCreated
from bot.handlers.filters import is_bot_sender
from core import command_texts
from core.errors import GitHubUnavailable
from core.jobs import RepairRequest

log = logging.getLogger("codellama.webhook")

# author_association values that can possibly have write access; anything else is refused without
# asking GitHub. The live permission check below is what decides.
MAYBE_WRITERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def on_comment_created(ctx: HandlerContext, delivery: Delivery, event: IssueCommentCreated) -> Outcome:
    comment = event.comment
    command = parse_command(comment.body, ctx.settings.command_prefix)
    if command is None:
        return Outcome.ignored("not a command")
    if is_bot_sender(event.sender, ctx.settings) or comment.user.type == "Bot":
        return Outcome.ignored("comment by a bot")
    login = comment.user.login
    if comment.author_association not in MAYBE_WRITERS:
        return Outcome.ignored(f"{login} is not a collaborator")
    installation_id = event.installation.id
    repo = event.repository.full_name
    # Every command, help included, is for people who may write: a stranger cannot make the bot talk.
    if not ctx.github.can_write(installation_id, repo, login):
        return Outcome.ignored(f"{login} lacks write permission on {repo}")
    request = RepairRequest(
        kind="issue",
        installation_id=installation_id,
        repo_full_name=repo,
        delivery_id=delivery.delivery_id,
        issue_number=event.issue.number,
        comment_id=comment.id,
        is_pull_request=event.issue.pull_request is not None,
        requested_by=login,
    )
    where = f"{repo}#{event.issue.number}"
    match command:
        case Fix(instructions):
            outcome = queue_job(ctx, replace(request, instructions=instructions), f"fix for {where}")
        case Retry(instructions):
            last = ctx.memory.last(repo, event.issue.number)
            if last is None:
                return _nothing_to(ctx, request, command_texts.NOTHING_TO_RETRY, "retry")
            again = replace(
                last,
                delivery_id=request.delivery_id,
                comment_id=request.comment_id,
                requested_by=login,
                instructions=instructions or last.instructions,
            )
            outcome = queue_job(ctx, again, f"retry of {last.delivery_id} for {where}")
        case Stop():
            stopped = ctx.memory.request_stop(repo, event.issue.number)
            if stopped is None:
                return _nothing_to(ctx, request, command_texts.NOTHING_TO_STOP, "stop")
            # The worker running (or about to run) that job sees the record and ends it; it says so.
            outcome = Outcome(200, f"stop of {stopped} on {where}")
        case Help() | Unknown():
            word = command.word if isinstance(command, Unknown) else ""
            outcome = queue_job(
                ctx, replace(request, kind="help", unknown_subcommand=word), f"help on {where}"
            )
    return _acknowledged(ctx, request, outcome, login)


def queue_job(ctx: HandlerContext, request: RepairRequest, what: str) -> Outcome:
    # Remembered before it is queued: should queueing fail, a retry or stop of a job that never ran is
    # harmless, while a queued job that retry and stop cannot find would not be.
    if request.kind != "help":
        ctx.memory.remember(request)
    ctx.enqueuer.enqueue(request)
    return Outcome.queued(what)


def _nothing_to(ctx: HandlerContext, request: RepairRequest, text: Template, verb: str) -> Outcome:
    assert request.issue_number is not None
    body = text.substitute(
        number=request.issue_number,
        prefix=ctx.settings.command_prefix,
        days=max(1, ctx.settings.dedupe_ttl_s // 86400),
    )
    ctx.github.reply(request.installation_id, request.repo_full_name, request.issue_number, body)
    return Outcome(200, f"nothing to {verb} on {request.repo_full_name}#{request.issue_number}")


def _acknowledged(ctx: HandlerContext, request: RepairRequest, outcome: Outcome, login: str) -> Outcome:
    # React only once queued, so 👀 means the job is on its way; a failed reaction is not worth a
    # 500, whose redelivery would queue the job a second time.
    assert request.issue_number is not None and request.comment_id is not None
    try:
        ctx.github.acknowledge_comment(
            request.installation_id, request.repo_full_name, request.issue_number, request.comment_id
        )
    except GitHubUnavailable as exc:
        log.warning("handled, but could not react to the comment: %s", exc)
    return Outcome(outcome.status, f"{outcome.reason} requested by {login}")
