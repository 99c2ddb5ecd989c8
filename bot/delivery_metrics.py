"""Counting deliveries for GET /metrics, with labels a stranger cannot multiply.

Anyone can POST to the webhook: a label taken from their headers as-is would let them grow the metric without
bound. The event is named only once the signature holds, and only if the bot knows it; the rest is bucketed.
"""

from __future__ import annotations

from bot.routing import ROUTES
from core import metrics

UNVERIFIED = "unverified"  # refused before the signature was checked, or because it did not match
OTHER = "other"  # signed by GitHub, but an event the bot has no handler for
# The events the receiver answers (bot/routing.py's table, and ping); GitHub sends many more.
KNOWN_EVENTS = frozenset(event for event, _ in ROUTES) | {"ping"}


def event_label(event: str | None) -> str:
    if event is None:
        return UNVERIFIED
    return event if event in KNOWN_EVENTS else OTHER


def outcome_label(status: int) -> str:
    """What an answer's status means for the operator; a duplicate is told apart by its caller."""
    if status == 202:
        return "queued"
    if status < 300:
        return "ignored"
    if status == 503:
        return "unavailable"
    if status >= 500:
        return "error"
    return "refused"


def record(event: str | None, status: int, seconds: float, *, duplicate: bool = False) -> None:
    outcome = "duplicate" if duplicate else outcome_label(status)
    metrics.DELIVERIES.labels(event_label(event), outcome, str(status)).inc()
    metrics.ACK_SECONDS.labels(outcome).observe(seconds)
