"""The per-branch job lock on a real Redis: exclusive, released on exit, lapses when its holder dies."""

from __future__ import annotations

import pytest
import redis

from tests.conftest import wait_until
from workers.queue.job_lock import JobLock, LockBusy


def test_second_holder_is_refused_until_the_first_releases(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with JobLock(client, "o/r:codellama/fix-issue-1", ttl_s=30):
        with pytest.raises(LockBusy), JobLock(client, "o/r:codellama/fix-issue-1", ttl_s=30):
            pass
        with JobLock(client, "o/r:codellama/fix-issue-2", ttl_s=30):
            pass  # another branch is another job
    with JobLock(client, "o/r:codellama/fix-issue-1", ttl_s=30):
        pass


def test_a_dead_holders_lock_lapses_after_its_ttl(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    # A holder that never exits (its worker was killed) is simulated by the key it leaves behind.
    client.set("codellama:job-lock:o/r:b", "dead-worker", px=600)
    with pytest.raises(LockBusy) as busy, JobLock(client, "o/r:b", ttl_s=30):
        pass
    assert 0 < busy.value.lapses_in_s <= 0.6  # the task retries just after that
    wait_until(lambda: client.get("codellama:job-lock:o/r:b") is None, 5, "the dead lock to lapse")
    with JobLock(client, "o/r:b", ttl_s=30):
        pass


def test_the_heartbeat_keeps_a_long_job_locked(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    key = "codellama:job-lock:o/r:long"
    with JobLock(client, key.removeprefix("codellama:job-lock:"), ttl_s=0.6):
        samples = [client.pttl(key)]

        def extended() -> bool:
            samples.append(client.pttl(key))
            return samples[-1] > samples[-2]

        # The remaining TTL only ever goes up when the heartbeat extends it.
        wait_until(extended, 5, "a heartbeat to extend the lock", interval_s=0.02)
        assert client.get(key) is not None
    assert client.get("codellama:job-lock:o/r:long") is None


class _FailingFirstBeats(redis.Redis):
    """A real Redis client whose first lock extension fails, as during a Redis restart or failover."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.failed = 0
        self.extended = 0

    def eval(self, script: str, numkeys: int, *keys_and_args: object) -> object:  # type: ignore[override]
        if "pexpire" in script:
            if self.failed < 1:
                self.failed += 1
                raise redis.ConnectionError("Connection reset by peer (injected)")
            self.extended += 1
        return super().eval(script, numkeys, *keys_and_args)  # type: ignore[arg-type]


def test_the_heartbeat_outlives_redis_errors(redis_url: str) -> None:
    client = _FailingFirstBeats.from_url(redis_url)
    assert isinstance(client, _FailingFirstBeats)
    # A third of the TTL between beats: after a failed beat the next still comes in time. Before, the
    # first error ended the heartbeat thread and the lock lapsed under a running job.
    with JobLock(client, "o/r:flaky", ttl_s=1.5):
        wait_until(lambda: client.extended >= 3, 10, "beats to go on extending the lock after a failure")
        assert client.failed == 1
        assert client.get("codellama:job-lock:o/r:flaky") is not None
    assert client.get("codellama:job-lock:o/r:flaky") is None
