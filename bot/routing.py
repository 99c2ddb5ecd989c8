"""The routing table: (event, action) -> handler. One place to see everything the bot answers."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Delivery, HandlerContext, Outcome
from bot.handlers.ci import on_check_suite_completed, on_workflow_run_completed
from bot.handlers.comments import on_comment_created

Handler = Callable[[HandlerContext, Delivery], Outcome]

ROUTES: dict[tuple[str, str | None], Handler] = {
    ("issue_comment", "created"): on_comment_created,
    ("workflow_run", "completed"): on_workflow_run_completed,
    ("check_suite", "completed"): on_check_suite_completed,
}


def route(ctx: HandlerContext, delivery: Delivery) -> Outcome:
    if delivery.event == "ping":
        return Outcome(200, "pong")
    handler = ROUTES.get((delivery.event, delivery.action))
    if handler is None:
        return Outcome.ignored(f"no handler for {delivery.event}.{delivery.action}")
    return handler(ctx, delivery)
