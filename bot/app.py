"""The webhook receiver: verify, parse, route, answer. No slow work happens here."""

from __future__ import annotations

import contextlib
import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import delivery_metrics, redis_conn
from bot.body_limit import read_body
from bot.context import Delivery, HandlerContext, Outcome
from bot.delivery_headers import read_headers
from bot.jobs_page import job_routes
from bot.json_body import parse_object
from bot.queue_depth import QueueDepth
from bot.refused import Refused
from bot.routing import Parsed, parse, route
from bot.signature import is_valid
from core.errors import ConfigurationError, GitHubUnavailable

log = logging.getLogger("codellama.webhook")


def create_app(ctx: HandlerContext) -> Starlette:
    if (
        ctx.settings.github_webhook_secret is None
        or not ctx.settings.github_webhook_secret.get_secret_value()
    ):
        # Fail closed: without a secret every forged delivery would be accepted.
        raise ConfigurationError("GITHUB_WEBHOOK_SECRET is not set; the webhook receiver refuses to start")
    secret = ctx.settings.github_webhook_secret.get_secret_value()
    limit = ctx.settings.webhook_max_body_bytes
    # The queue's length is this app's own (its Redis and queue); the counters are the process's.
    queue_registry = CollectorRegistry()
    queue_registry.register(QueueDepth(ctx.settings.redis_url, ctx.settings.celery_queue))

    async def webhook(request: Request) -> Response:
        started = time.monotonic()
        verified: str | None = None  # the event, once the signature says GitHub sent it
        try:
            headers = read_headers(request.scope["headers"])
            body = await read_body(request, limit)
            if not is_valid(secret, body, headers.signature):
                raise Refused(401, "X-Hub-Signature-256 does not match the body")
            verified = headers.event
            parsed = await run_in_threadpool(_read, headers.event, headers.delivery_id, body)
        except Refused as refused:
            return _answer(Outcome(refused.status, refused.reason), started, event=verified)
        return await run_in_threadpool(_handle, ctx, parsed, started)

    async def metrics(request: Request) -> Response:
        # Redis is asked for the queue's length now, in a thread: it may take up to its short timeout.
        text = await run_in_threadpool(lambda: generate_latest(REGISTRY) + generate_latest(queue_registry))
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        # Liveness only: the process answers. Whether it can do its work is /readyz.
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await run_in_threadpool(ctx.ledger.ping)
        except redis_conn.UNAVAILABLE as exc:
            reason = redis_conn.outage(ctx.settings.redis_url, exc)
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready"})

    return Starlette(
        routes=[
            Route("/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *job_routes(ctx.settings, ctx.jobs),
        ]
    )


def _read(event: str, delivery_id: str, body: bytes) -> Parsed:
    """The body parsed and typed; runs in a thread, since a 25 MB body takes a while."""
    payload = parse_object(body)
    if "action" in payload and not isinstance(payload["action"], str):
        raise Refused(400, f"{event} payload: action: must be a string")
    return parse(Delivery(event=event, delivery_id=delivery_id, payload=payload))


def _handle(ctx: HandlerContext, parsed: Parsed, started: float) -> Response:
    delivery = parsed.delivery
    try:
        if not ctx.ledger.claim_delivery(delivery.delivery_id):
            already = Outcome.ignored(f"delivery {delivery.delivery_id} was already handled")
            return _answer(already, started, delivery, duplicate=True)
    except redis_conn.UNAVAILABLE as exc:
        return _answer(_outage(ctx, exc), started, delivery)
    try:
        outcome = route(ctx, parsed)
    except redis_conn.UNAVAILABLE as exc:
        _release(ctx, delivery)
        outcome = _outage(ctx, exc)
    except GitHubUnavailable as exc:
        # Who may command the bot is asked live; without an answer nothing is queued, GitHub may redeliver.
        _release(ctx, delivery)
        log.warning("GitHub did not answer: %s", exc)
        outcome = Outcome(
            503, f"GitHub did not answer ({exc}); nothing was queued, the delivery can be redelivered"
        )
    except Exception:
        # Forget the delivery so that GitHub's redelivery is handled; answer 500 and keep serving.
        _release(ctx, delivery)
        log.exception("handling %s %s failed", delivery.event, delivery.delivery_id)
        outcome = Outcome(500, "internal error; the delivery can be redelivered")
    return _answer(outcome, started, delivery)


def _outage(ctx: HandlerContext, exc: BaseException) -> Outcome:
    reason = redis_conn.outage(ctx.settings.redis_url, exc)
    log.warning("%s", reason)
    return Outcome(503, f"{reason}; nothing was queued, the delivery can be redelivered")


def _release(ctx: HandlerContext, delivery: Delivery) -> None:
    # Redis may be what failed; then the claim cannot be released, and it is not worth a traceback.
    with contextlib.suppress(*redis_conn.UNAVAILABLE):
        ctx.ledger.release_delivery(delivery.delivery_id)


def _answer(
    outcome: Outcome,
    started: float,
    delivery: Delivery | None = None,
    *,
    event: str | None = None,
    duplicate: bool = False,
) -> Response:
    """The answer, logged and counted; `event` names a verified delivery refused before it was parsed."""
    where = f"{delivery.event}.{delivery.action} {delivery.delivery_id}" if delivery else "-"
    log.info("%s -> %d %s", where, outcome.status, outcome.reason)
    event = delivery.event if delivery else event
    delivery_metrics.record(event, outcome.status, time.monotonic() - started, duplicate=duplicate)
    return JSONResponse({"status": outcome.status, "reason": outcome.reason}, status_code=outcome.status)
