"""`issue_comment` created: a maintainer addresses the bot with `/codellama <subcommand>`."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.commands import Fix, Help, Retry, Stop, Unknown, parse_command
from bot.context import Delivery, HandlerContext, Outcome
from bot.events import IssueCommentCreated
from bot.handlers.filters import is_bot_sender
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
            outcome = _queue(ctx, replace(request, instructions=instructions), f"fix for {where}")
        case Help() | Unknown():
            word = command.word if isinstance(command, Unknown) else ""
            outcome = _queue(ctx, replace(request, kind="help", unknown_subcommand=word), f"help on {where}")
        case Retry() | Stop():
            return Outcome.ignored(f"{type(command).__name__.lower()} is not handled yet")
    return _acknowledged(ctx, request, outcome, login)


def _queue(ctx: HandlerContext, request: RepairRequest, what: str) -> Outcome:
    ctx.enqueuer.enqueue(request)
    return Outcome.queued(what)


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
