"""The webhook receiver: verify, parse, route, answer. No slow work happens here."""

from __future__ import annotations

import json
import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.context import Delivery, HandlerContext, Outcome
from bot.routing import route
from bot.signature import is_valid
from core.errors import ConfigurationError

log = logging.getLogger("codellama.webhook")

# GitHub caps webhook payloads at 25 MB; anything bigger is not GitHub.
MAX_BODY_BYTES = 25 * 1024 * 1024


def create_app(ctx: HandlerContext) -> Starlette:
    if (
        ctx.settings.github_webhook_secret is None
        or not ctx.settings.github_webhook_secret.get_secret_value()
    ):
        # Fail closed: without a secret every forged delivery would be accepted.
        raise ConfigurationError("GITHUB_WEBHOOK_SECRET is not set; the webhook receiver refuses to start")
    secret = ctx.settings.github_webhook_secret.get_secret_value()

    async def webhook(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _answer(Outcome(413, "payload too large"))
        if not is_valid(secret, body, request.headers.get("x-hub-signature-256")):
            return _answer(Outcome(401, "missing or wrong X-Hub-Signature-256"))
        event = request.headers.get("x-github-event")
        delivery_id = request.headers.get("x-github-delivery")
        if not event or not delivery_id:
            return _answer(Outcome(400, "missing X-GitHub-Event or X-GitHub-Delivery header"))
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _answer(Outcome(400, f"body is not JSON: {exc}"))
        if not isinstance(payload, dict):
            return _answer(Outcome(400, "body is not a JSON object"))
        delivery = Delivery(event=event, delivery_id=delivery_id, payload=payload)
        return await run_in_threadpool(_handle, ctx, delivery)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/webhook", webhook, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    )


def _handle(ctx: HandlerContext, delivery: Delivery) -> Response:
    if not ctx.ledger.claim_delivery(delivery.delivery_id):
        return _answer(Outcome.ignored(f"delivery {delivery.delivery_id} was already handled"), delivery)
    try:
        outcome = route(ctx, delivery)
    except (KeyError, TypeError, ValueError) as exc:
        ctx.ledger.release_delivery(delivery.delivery_id)
        outcome = Outcome(400, f"payload lacks what a {delivery.event} event must carry: {exc!r}")
    except Exception:
        # Forget the delivery so that GitHub's redelivery is handled; answer 500 and keep serving.
        ctx.ledger.release_delivery(delivery.delivery_id)
        log.exception("handling %s %s failed", delivery.event, delivery.delivery_id)
        outcome = Outcome(500, "internal error; the delivery can be redelivered")
    return _answer(outcome, delivery)


def _answer(outcome: Outcome, delivery: Delivery | None = None) -> Response:
    where = f"{delivery.event}.{delivery.action} {delivery.delivery_id}" if delivery else "-"
    log.info("%s -> %d %s", where, outcome.status, outcome.reason)
    return JSONResponse({"status": outcome.status, "reason": outcome.reason}, status_code=outcome.status)
