"""Redis-backed memory of deliveries and CI attempts, so that nothing is queued twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import redis
import redis.asyncio as aredis

from core.job_registry import INDEX_KEY, job_key

# Take one of `cap` attempts for a commit, atomically: read, compare, increment and set the expiry in one
# step, so two deliveries for one failure (workflow_run and check_suite) cannot both win, and a key never
# lives on without an expiry (INCR then EXPIRE left one if the receiver died between the two).
_CLAIM_ATTEMPT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], count + 1, 'EX', tonumber(ARGV[2]))
return 1
"""

# Give an attempt back when its job could not be queued; the key goes when nothing is left.
_RELEASE_ATTEMPT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], count - 1, 'KEEPTTL')
return count - 1
"""


# A CI failure's whole acknowledgement in one round trip, atomically: claim the delivery (0 when it was
# already handled), take one of the commit's attempts (1 when none is left; the delivery stays claimed, as
# on the blocking path) and push the job's Celery message (2). Nothing to give back when Redis fails midway:
# a script runs whole or not at all.
_CLAIM_AND_PUSH = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', tonumber(ARGV[1])) then
  return 0
end
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if count >= tonumber(ARGV[2]) then
  return 1
end
redis.call('SET', KEYS[2], count + 1, 'EX', tonumber(ARGV[1]))
redis.call('LPUSH', KEYS[3], ARGV[3])
if KEYS[4] then
  -- The job's row in the jobs list (core/job_registry.py), in the same step: no worker can take the job
  -- before its row exists. ARGV[4] the row's lifetime, [5] when queued, [6] the id, [7] rows kept, then
  -- the row's field/value pairs.
  redis.call('HSET', KEYS[4], unpack(ARGV, 8))
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[4]))
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[6])
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(tonumber(ARGV[7]) + 1))
end
return 2
"""
ALREADY_HANDLED, ALREADY_ATTEMPTED, PUSHED = 0, 1, 2


class Ledger(Protocol):
    """What the handlers remember between deliveries. Raises redis_conn.UNAVAILABLE errors when its store
    does not answer; a claim is atomic, so two deliveries racing for one claim cannot both win."""

    def ping(self) -> None: ...

    def claim_delivery(self, delivery_id: str) -> bool: ...

    def release_delivery(self, delivery_id: str) -> None: ...

    def claim_ci_attempt(self, repo_full_name: str, head_sha: str, cap: int) -> bool: ...

    def release_ci_attempt(self, repo_full_name: str, head_sha: str) -> None: ...

    def ci_attempts(self, repo_full_name: str, head_sha: str) -> int: ...


class DeliveryLedger:
    """Remembers which deliveries were handled and which commits were already attempted, in Redis."""

    def __init__(self, client: redis.Redis, ttl_s: int) -> None:
        self._redis = client
        self._ttl = ttl_s
        self._claim_attempt = client.register_script(_CLAIM_ATTEMPT)
        self._release_attempt = client.register_script(_RELEASE_ATTEMPT)

    def ping(self) -> None:
        """Raises a RedisError when Redis does not answer."""
        self._redis.ping()

    def claim_delivery(self, delivery_id: str) -> bool:
        """True the first time a delivery id is seen. GitHub redelivers with the same id."""
        return bool(self._redis.set(_delivery_key(delivery_id), 1, nx=True, ex=self._ttl))

    def release_delivery(self, delivery_id: str) -> None:
        """Forget a delivery whose handling failed, so that GitHub's redelivery is not ignored."""
        self._redis.delete(_delivery_key(delivery_id))

    def claim_ci_attempt(self, repo_full_name: str, head_sha: str, cap: int) -> bool:
        """True while this commit has had fewer than `cap` repair attempts, and takes one.

        workflow_run and check_suite both report one Actions failure; both land here, one wins. The
        caller gives the attempt back with release_ci_attempt when its job is not queued.
        """
        key = _attempts_key(repo_full_name, head_sha)
        return bool(self._claim_attempt(keys=[key], args=[cap, self._ttl]))

    def release_ci_attempt(self, repo_full_name: str, head_sha: str) -> None:
        self._release_attempt(keys=[_attempts_key(repo_full_name, head_sha)])

    def ci_attempts(self, repo_full_name: str, head_sha: str) -> int:
        return int(self._redis.get(_attempts_key(repo_full_name, head_sha)) or 0)


class AsyncDeliveryLedger:
    """DeliveryLedger's claims on redis.asyncio, for the receiver's event loop (bot/fast_path.py): the same
    keys and rules, so both ledgers can serve one Redis side by side."""

    def __init__(self, client: aredis.Redis, ttl_s: int) -> None:
        self._redis = client
        self._ttl = ttl_s
        self._claim_and_push = client.register_script(_CLAIM_AND_PUSH)

    async def claim_delivery(self, delivery_id: str) -> bool:
        return bool(await self._redis.set(_delivery_key(delivery_id), 1, nx=True, ex=self._ttl))

    async def release_delivery(self, delivery_id: str) -> None:
        await self._redis.delete(_delivery_key(delivery_id))

    async def claim_and_push(
        self,
        delivery_id: str,
        repo_full_name: str,
        head_sha: str,
        cap: int,
        queue: str,
        message: bytes,
        row: JobRow | None = None,
    ) -> int:
        """ALREADY_HANDLED, ALREADY_ATTEMPTED or PUSHED (the message is on the list `queue`, and `row`, when
        given, in the jobs list). The queue must live in this ledger's Redis: the receiver's Celery broker is
        REDIS_URL too."""
        keys = [_delivery_key(delivery_id), _attempts_key(repo_full_name, head_sha), queue]
        args: list[str | bytes | int | float] = [self._ttl, cap, message]
        if row is not None:
            keys += [job_key(delivery_id), INDEX_KEY]
            args += [row.ttl_s, row.queued_at, delivery_id, row.max_kept]
            args += [item for pair in row.values.items() for item in pair]
        return int(await self._claim_and_push(keys=keys, args=args))


@dataclass(frozen=True)
class JobRow:
    """A queued job's row for the jobs list, as core/job_registry.py writes it."""

    values: dict[str, str]
    queued_at: float
    ttl_s: int
    max_kept: int


def _delivery_key(delivery_id: str) -> str:
    return f"codellama:delivery:{delivery_id}"


def _attempts_key(repo_full_name: str, head_sha: str) -> str:
    return f"codellama:ci-attempts:{repo_full_name}:{head_sha}"
