"""The webhook receiver: verify, parse, route, answer. No slow work happens here."""

from __future__ import annotations

import contextlib
import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import delivery_metrics, fast_path, redis_conn
from bot.body_limit import read_body
from bot.context import Delivery, HandlerContext, Outcome
from bot.delivery_headers import read_headers
from bot.fast_path import FastPath
from bot.handlers.ci import CiJob
from bot.jobs_page import job_routes
from bot.json_body import parse_object
from bot.queue_depth import QueueDepth
from bot.refused import Refused
from bot.routing import Parsed, parse, route
from bot.signature import is_valid
from core.bearer import authorized
from core.errors import ConfigurationError, GitHubUnavailable

log = logging.getLogger("codellama.webhook")

# A body this small is parsed on the event loop: a 22 KB workflow_run takes about 0.3 ms, no more than the
# hop to a thread and back. A larger one (up to WEBHOOK_MAX_BODY_BYTES) goes to a thread, so that a 25 MB
# body does not stall every other request.
INLINE_PARSE_BYTES = 256 * 1024


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
            if len(body) <= INLINE_PARSE_BYTES:
                parsed = _read(headers.event, headers.delivery_id, body)
            else:
                parsed = await run_in_threadpool(_read, headers.event, headers.delivery_id, body)
        except Refused as refused:
            return _answer(Outcome(refused.status, refused.reason), started, event=verified)
        if ctx.fast is not None:
            return await _handle_on_loop(ctx, ctx.fast, parsed, started)
        return await run_in_threadpool(_handle, ctx, parsed, started)

    metrics_token = ctx.settings.metrics_bearer()

    async def metrics(request: Request) -> Response:
        if metrics_token is not None and not authorized(request.headers.get("authorization"), metrics_token):
            return PlainTextResponse(
                "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="codellama-bot metrics"'},
            )
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
    """The body parsed and typed; in a thread when the body is large (see INLINE_PARSE_BYTES)."""
    payload = parse_object(body)
    if "action" in payload and not isinstance(payload["action"], str):
        raise Refused(400, f"{event} payload: action: must be a string")
    return parse(Delivery(event=event, delivery_id=delivery_id, payload=payload))


def _handle(ctx: HandlerContext, parsed: Parsed, started: float) -> Response:
    """The whole delivery in a thread, on the blocking clients."""
    delivery = parsed.delivery
    try:
        if not ctx.ledger.claim_delivery(delivery.delivery_id):
            return _answer(_already_handled(delivery), started, delivery, duplicate=True)
    except redis_conn.UNAVAILABLE as exc:
        return _answer(_outage(ctx, exc), started, delivery)
    try:
        outcome = route(ctx, parsed)
    except Exception as exc:
        _release(ctx, delivery)
        outcome = _failed(ctx, delivery, exc)
    return _answer(outcome, started, delivery)


async def _handle_on_loop(ctx: HandlerContext, fast: FastPath, parsed: Parsed, started: float) -> Response:
    """A CI failure's claims and job in one round trip on the event loop; any other delivery's claim on the
    loop, and its handler (which asks GitHub or the job memory, blocking clients) in a thread."""
    delivery = parsed.delivery
    try:
        # The plan reads the typed event only (no I/O): a failure worth a job is queued with its claim.
        plan = parsed.route.plan if parsed.route is not None else None
        planned = plan(ctx, delivery, parsed.event) if plan is not None else None
    except Exception as exc:
        return _answer(_failed(ctx, delivery, exc), started, delivery)  # nothing was claimed
    try:
        if isinstance(planned, CiJob):
            queued = await fast_path.queue_ci_repair(ctx, fast, delivery, planned)
            duplicate = queued.reason == _already_handled(delivery).reason
            return _answer(queued, started, delivery, duplicate=duplicate)
        if not await fast.ledger.claim_delivery(delivery.delivery_id):
            return _answer(_already_handled(delivery), started, delivery, duplicate=True)
    except redis_conn.UNAVAILABLE as exc:
        return _answer(_outage(ctx, exc), started, delivery)
    try:
        outcome = planned if planned is not None else await run_in_threadpool(route, ctx, parsed)
    except Exception as exc:
        await fast_path.release(fast, delivery)
        outcome = _failed(ctx, delivery, exc)
    return _answer(outcome, started, delivery)


def _already_handled(delivery: Delivery) -> Outcome:
    return Outcome.ignored(f"delivery {delivery.delivery_id} was already handled")


def _failed(ctx: HandlerContext, delivery: Delivery, exc: Exception) -> Outcome:
    """The answer to a delivery whose handling raised; its claim was released, so a redelivery is handled."""
    if isinstance(exc, redis_conn.UNAVAILABLE):
        return _outage(ctx, exc)
    if isinstance(exc, GitHubUnavailable):
        # Who may command the bot is asked live; without an answer nothing is queued, GitHub may redeliver.
        log.warning("GitHub did not answer: %s", exc)
        return Outcome(
            503, f"GitHub did not answer ({exc}); nothing was queued, the delivery can be redelivered"
        )
    # Answer 500 and keep serving.
    log.exception("handling %s %s failed", delivery.event, delivery.delivery_id, exc_info=exc)
    return Outcome(500, "internal error; the delivery can be redelivered")


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
    """The answer, logged once and counted; `event` names a verified delivery refused before it was parsed."""
    where = f"{delivery.event}.{delivery.action} {delivery.delivery_id}" if delivery else "-"
    log.info("%s -> %d %s", where, outcome.status, outcome.reason)
    event = delivery.event if delivery else event
    delivery_metrics.record(event, outcome.status, time.monotonic() - started, duplicate=duplicate)
    return JSONResponse({"status": outcome.status, "reason": outcome.reason}, status_code=outcome.status)
