"""The receiver's memory of the last job per issue or pull request, on a real Redis."""

from __future__ import annotations

import redis

from bot.job_memory import RedisJobMemory
from core.job_keys import last_job_key, stop_key
from core.jobs import RepairRequest

REPO = "octo/parens"


def _fix(number: int, delivery: str) -> RepairRequest:
    return RepairRequest("issue", 1, REPO, delivery, issue_number=number, comment_id=2, instructions="x")


def test_the_last_job_is_remembered_per_number_with_an_expiry(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    memory = RedisJobMemory(client, ttl_s=300)
    memory.remember(_fix(7, "d-1"))
    memory.remember(_fix(7, "d-2"))
    memory.remember(_fix(8, "d-3"))
    assert memory.last(REPO, 7) == _fix(7, "d-2")
    assert memory.last(REPO, 9) is None
    assert 0 < client.ttl(last_job_key(REPO, 7)) <= 300


def test_stop_names_the_last_job_for_the_workers(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    memory = RedisJobMemory(client, ttl_s=300)
    assert memory.request_stop(REPO, 7) is None and client.get(stop_key(REPO, 7)) is None
    memory.remember(_fix(7, "d-1"))
    assert memory.request_stop(REPO, 7) == "d-1"
    assert client.get(stop_key(REPO, 7)) == b"d-1" and 0 < client.ttl(stop_key(REPO, 7)) <= 300


def test_an_unreadable_record_counts_as_forgotten(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set(last_job_key(REPO, 7), '{"kind": "issue", "from_a_newer_version": 1}')
    assert RedisJobMemory(client, ttl_s=300).last(REPO, 7) is None
