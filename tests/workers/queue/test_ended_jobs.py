"""The record of ended jobs on a real Redis: set once a job ends, per job id, and kept for its TTL."""

from __future__ import annotations

import redis

from workers.queue.ended_jobs import EndedJobs, ended_key


def test_only_a_marked_job_has_ended(redis_url: str) -> None:
    ended = EndedJobs(redis.Redis.from_url(redis_url), ttl_s=60)
    assert ended.outcome("job-1") is None
    ended.mark("job-1", "pull_request")
    assert ended.outcome("job-1") == "pull_request"
    assert ended.outcome("job-2") is None  # another delivery is another job


def test_the_record_expires_after_its_ttl(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    EndedJobs(client, ttl_s=60).mark("job-1", "failed")
    assert 0 < client.ttl(ended_key("job-1")) <= 60


def test_marking_survives_redis_being_unreachable() -> None:
    # Nothing listens on port 1: the job has ended, and the worker must not fail it for the record.
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    EndedJobs(down, ttl_s=60).mark("job-1", "pull_request")
    # Nor may it drop a job because it cannot tell whether the job ended: the job runs.
    assert EndedJobs(down, ttl_s=60).outcome("job-1") is None
