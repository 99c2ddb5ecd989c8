"""The two writers of a queued job's row agree: JobRegistry.queued (the blocking path) and the receiver's
one Redis script (bot/dedupe.py, fed by bot/fast_path.py). Both take the fields from core/job_registry.py;
this catches either writer storing them differently."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import redis

from bot import fast_path, redis_conn
from bot.dedupe import PUSHED, AsyncDeliveryLedger
from core.job_registry import INDEX_KEY, JobRegistry, job_key, request_links
from core.jobs import RepairRequest
from core.settings import Settings

API = "https://api.github.com"
RETENTION_S = 3600


def _ci(delivery: str) -> RepairRequest:
    return RepairRequest("ci", 1, "octo/repo", delivery, head_branch="main", head_sha="abc1234def")


def _row(client: redis.Redis, job_id: str) -> dict[str, str]:
    raw = client.hgetall(job_key(job_id))
    row = {k.decode(): v.decode() for k, v in raw.items()}
    # What differs by nature: the id, and when each was written.
    return {k: v for k, v in row.items() if k not in ("id", "queued_at", "updated_at")}


def test_the_event_loop_path_writes_the_row_the_blocking_path_writes(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    registry = JobRegistry(client, RETENTION_S)
    registry.queued(_ci("blocking"), request_links(_ci("blocking"), API))

    ctx = SimpleNamespace(jobs=registry, settings=Settings(github_api_url=API))
    row = fast_path._row(ctx, _ci("loop"))  # type: ignore[arg-type]
    ledger = AsyncDeliveryLedger(redis_conn.connect_async(redis_url), 60)
    pushed = ledger.claim_and_push("loop", "octo/repo", "abc1234def", 1, "test-queue", b"{}", row)
    assert asyncio.run(pushed) == PUSHED

    assert _row(client, "loop") == _row(client, "blocking") != {}
    for job_id in ("loop", "blocking"):
        assert RETENTION_S - 60 < client.ttl(job_key(job_id)) <= RETENTION_S
        listed_at = client.zscore(INDEX_KEY, job_id)
        assert listed_at is not None and abs(listed_at - time.time()) < 60
        record = registry.get(job_id)
        assert record is not None and record.state == "queued" and record.queued_at == listed_at
