"""The routing table: (event, action) -> the event's model and its handler. One place to see everything the
bot answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from bot.context import Delivery, HandlerContext, Outcome
from bot.events import (
    CheckRunRequestedAction,
    CheckRunRerequested,
    CheckSuiteCompleted,
    IssueCommentCreated,
    PullRequestReviewCommentCreated,
    PullRequestReviewSubmitted,
    WorkflowRunCompleted,
    parse_event,
)
from bot.handlers.ci import (
    CiJob,
    on_check_suite_completed,
    on_workflow_run_completed,
    plan_check_suite,
    plan_workflow_run,
)
from bot.handlers.comments import on_comment_created
from bot.handlers.rerun import on_check_run_requested_action, on_check_run_rerequested
from bot.handlers.reviews import on_review_comment_created, on_review_submitted
from bot.refused import Refused

E = TypeVar("E", bound=BaseModel)


@dataclass(frozen=True)
class EventRoute(Generic[E]):
    model: type[E]
    handler: Callable[[HandlerContext, Delivery, E], Outcome]
    # For an event whose only work is to queue a CI job: the same decision without the queueing, so the
    # event loop can queue it (bot/fast_path.py) where `handler` would block a thread.
    plan: Callable[[HandlerContext, Delivery, E], CiJob | Outcome] | None = None


@dataclass(frozen=True)
class Parsed:
    """A delivery read and typed, ready to be handled: what `route` does with it needs no more checks."""

    delivery: Delivery
    route: EventRoute[Any] | None
    event: BaseModel | None


ROUTES: dict[tuple[str, str | None], EventRoute[Any]] = {
    ("issue_comment", "created"): EventRoute(IssueCommentCreated, on_comment_created),
    ("workflow_run", "completed"): EventRoute(
        WorkflowRunCompleted, on_workflow_run_completed, plan=plan_workflow_run
    ),
    ("check_suite", "completed"): EventRoute(
        CheckSuiteCompleted, on_check_suite_completed, plan=plan_check_suite
    ),
    ("pull_request_review", "submitted"): EventRoute(PullRequestReviewSubmitted, on_review_submitted),
    ("pull_request_review_comment", "created"): EventRoute(
        PullRequestReviewCommentCreated, on_review_comment_created
    ),
    ("check_run", "rerequested"): EventRoute(CheckRunRerequested, on_check_run_rerequested),
    ("check_run", "requested_action"): EventRoute(CheckRunRequestedAction, on_check_run_requested_action),
}
_ROUTED_EVENTS = frozenset(event for event, _ in ROUTES)


def parse(delivery: Delivery) -> Parsed:
    """Types the payload of an event the bot acts on; raises Refused(400) when it does not fit."""
    found = ROUTES.get((delivery.event, delivery.action))
    if found is None:
        if delivery.event in _ROUTED_EVENTS and "action" not in delivery.payload:
            raise Refused(400, f"{delivery.event} payload: action: Field required")
        return Parsed(delivery, None, None)
    return Parsed(delivery, found, parse_event(found.model, delivery.event, delivery.payload))


def route(ctx: HandlerContext, parsed: Parsed) -> Outcome:
    delivery = parsed.delivery
    if delivery.event == "ping":
        return Outcome(200, "pong")
    if parsed.route is None or parsed.event is None:
        return Outcome.ignored(f"no handler for {delivery.event}.{delivery.action}")
    return parsed.route.handler(ctx, delivery, parsed.event)
