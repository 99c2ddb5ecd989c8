"""`issue_comment` created: a maintainer asks for a fix with `/codellama fix`."""

from __future__ import annotations

import logging

from bot.commands import Fix, parse_command
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
    if not isinstance(command, Fix):
        return Outcome.ignored("not a command")
    if is_bot_sender(event.sender, ctx.settings) or comment.user.type == "Bot":
        return Outcome.ignored("comment by a bot")
    login = comment.user.login
    if comment.author_association not in MAYBE_WRITERS:
        return Outcome.ignored(f"{login} is not a collaborator")
    installation_id = event.installation.id
    repo = event.repository.full_name
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
        instructions=command.instructions,
        requested_by=login,
    )
    ctx.enqueuer.enqueue(request)
    # React only once queued, so 👀 means the job is on its way; a failed reaction is not worth a
    # 500, whose redelivery would queue the job a second time.
    try:
        ctx.github.acknowledge_comment(installation_id, repo, event.issue.number, comment.id)
    except GitHubUnavailable as exc:
        log.warning("queued, but could not react to the comment: %s", exc)
    return Outcome.queued(f"fix for {repo}#{request.issue_number} requested by {login}")
