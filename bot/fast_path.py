"""The receiver's event-loop path: the delivery claim and a CI failure's attempt claim and Celery publish on
redis.asyncio, with no thread per delivery and, for a CI failure, one round trip to Redis. Handlers that ask
GitHub or the job memory (blocking clients) still run in a thread (bot/app.py)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from bot import redis_conn
from bot.context import Delivery, HandlerContext, Outcome
from bot.dedupe import ALREADY_ATTEMPTED, ALREADY_HANDLED, AsyncDeliveryLedger, JobRow
from bot.enqueue import WireMessages
from bot.handlers.ci import CiJob
from core.job_registry import queued_fields, request_links, row_values
from core.jobs import RepairRequest


@dataclass(frozen=True)
class FastPath:
    """The ledger and the Celery queue on one Redis: REDIS_URL is both the receiver's store and the broker."""

    ledger: AsyncDeliveryLedger
    messages: WireMessages


async def queue_ci_repair(ctx: HandlerContext, fast: FastPath, delivery: Delivery, job: CiJob) -> Outcome:
    """Claims the delivery, takes one of the commit's attempts and queues the job, atomically; the same
    answers as the blocking path (bot/app.py's _handle with bot/handlers/ci.py)."""
    request = job.request
    sha = request.head_sha or ""
    result = await fast.ledger.claim_and_push(
        delivery.delivery_id,
        request.repo_full_name,
        sha,
        ctx.settings.bot_max_attempts_per_sha,
        fast.messages.list_for(request),
        fast.messages.message(request),
        _row(ctx, request),
    )
    if result == ALREADY_HANDLED:
        return Outcome.ignored(f"delivery {delivery.delivery_id} was already handled")
    if result == ALREADY_ATTEMPTED:
        return Outcome.ignored(f"{sha[:7]} was already attempted")
    return job.queued


def _row(ctx: HandlerContext, request: RepairRequest) -> JobRow | None:
    """The job's row for `jobs` and /jobs, written with its message (the blocking path's enqueuer does the
    same through core/job_registry.py)."""
    if ctx.jobs is None:
        return None
    now = time.time()
    fields = queued_fields(request, request_links(request, ctx.settings.github_api_url), now)
    values = row_values(request.delivery_id, fields, now)
    return JobRow(values, now, ctx.jobs.ttl_s, ctx.jobs.max_kept)


async def release(fast: FastPath, delivery: Delivery) -> None:
    # Redis may be what failed; then the claim cannot be released, and it is not worth a traceback.
    with contextlib.suppress(*redis_conn.UNAVAILABLE):
        await fast.ledger.release_delivery(delivery.delivery_id)
