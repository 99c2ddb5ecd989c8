"""The receiver's event-loop path: the delivery claim, a CI failure's attempt claim and its Celery publish on
redis.asyncio, with no thread per delivery. Handlers that ask GitHub or the job memory (blocking clients)
still run in a thread (bot/app.py)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from bot import redis_conn
from bot.context import Delivery, HandlerContext, Outcome
from bot.dedupe import AsyncDeliveryLedger
from bot.enqueue import RedisWireEnqueuer
from core.jobs import RepairRequest


@dataclass(frozen=True)
class FastPath:
    ledger: AsyncDeliveryLedger
    enqueuer: RedisWireEnqueuer


async def queue_ci_repair(
    ctx: HandlerContext, fast: FastPath, request: RepairRequest, queued: Outcome
) -> Outcome:
    """Takes one of the commit's attempts and queues the job; the attempt is given back when the job could
    not be queued, so that GitHub's redelivery can queue it. Same rules as bot/handlers/ci.py's sync path."""
    repo, sha = request.repo_full_name, request.head_sha or ""
    if not await fast.ledger.claim_ci_attempt(repo, sha, ctx.settings.bot_max_attempts_per_sha):
        return Outcome.ignored(f"{sha[:7]} was already attempted")
    try:
        await fast.enqueuer.enqueue(request)
    except BaseException:
        with contextlib.suppress(*redis_conn.UNAVAILABLE):
            await fast.ledger.release_ci_attempt(repo, sha)
        raise
    return queued


async def release(fast: FastPath, delivery: Delivery) -> None:
    # Redis may be what failed; then the claim cannot be released, and it is not worth a traceback.
    with contextlib.suppress(*redis_conn.UNAVAILABLE):
        await fast.ledger.release_delivery(delivery.delivery_id)
