"""`pull_request_review` submitted and `pull_request_review_comment` created: a reviewer asks the bot to
revise its own pull request, by requesting changes on it or with `/codellama fix` in a review comment.

Only the bot's own pull requests (a head branch with its prefix, in the same repository) are revised this
way; the job is the same as a `/codellama fix` comment on them, so retry and stop find it. GitHub has no
reactions on reviews, so there is no 👀: the revision's commit and comment are the answer.
"""

from __future__ import annotations

from bot.commands import Fix, parse_command
from bot.context import Delivery, HandlerContext, Outcome
from bot.events import Account, PullRequestReviewCommentCreated, PullRequestReviewSubmitted
from bot.handlers.comments import MAYBE_WRITERS, queue_job
from bot.handlers.filters import is_bot_branch, is_bot_sender
from core.jobs import RepairRequest

ReviewEvent = PullRequestReviewSubmitted | PullRequestReviewCommentCreated


def on_review_submitted(
    ctx: HandlerContext, delivery: Delivery, event: PullRequestReviewSubmitted
) -> Outcome:
    review = event.review
    if review.state.casefold() != "changes_requested":
        return Outcome.ignored(f"review state is {review.state!r}, not changes_requested")
    body = review.body or ""
    command = parse_command(body, ctx.settings.command_prefix)
    # A review that requests changes is itself the request; `/codellama fix` in it just says so twice.
    instructions = command.instructions if isinstance(command, Fix) else body.strip()
    return _revise(ctx, delivery, event, review.user, review.author_association, instructions, review.id)


def on_review_comment_created(
    ctx: HandlerContext, delivery: Delivery, event: PullRequestReviewCommentCreated
) -> Outcome:
    comment = event.comment
    command = parse_command(comment.body, ctx.settings.command_prefix)
    if command is None:
        return Outcome.ignored("not a command")
    if not isinstance(command, Fix):
        return Outcome.ignored("only `fix` is taken in a review comment; other commands go in a comment")
    return _revise(
        ctx,
        delivery,
        event,
        comment.user,
        comment.author_association,
        command.instructions,
        comment.pull_request_review_id,
    )


def _revise(
    ctx: HandlerContext,
    delivery: Delivery,
    event: ReviewEvent,
    user: Account,
    association: str,
    instructions: str,
    review_id: int,
) -> Outcome:
    if is_bot_sender(event.sender, ctx.settings) or is_bot_sender(user, ctx.settings):
        return Outcome.ignored("review by a bot")
    pull, repo = event.pull_request, event.repository.full_name
    head_repo = pull.head.repo.full_name if pull.head.repo else None
    if not is_bot_branch(pull.head.ref, ctx.settings) or head_repo != repo:
        return Outcome.ignored(f"{repo}#{pull.number} is not one of the bot's pull requests")
    login = user.login
    if association not in MAYBE_WRITERS:
        return Outcome.ignored(f"{login} is not a collaborator")
    if not ctx.github.can_write(event.installation.id, repo, login):
        return Outcome.ignored(f"{login} lacks write permission on {repo}")
    request = RepairRequest(
        kind="issue",
        installation_id=event.installation.id,
        repo_full_name=repo,
        delivery_id=delivery.delivery_id,
        issue_number=pull.number,
        is_pull_request=True,
        instructions=instructions,
        requested_by=login,
        review_id=review_id,
    )
    outcome = queue_job(ctx, request, f"revision of {repo}#{pull.number}")
    return Outcome(outcome.status, f"{outcome.reason} requested by {login}")
