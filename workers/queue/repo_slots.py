"""At most REPO_CONCURRENCY jobs at once per repository, across every worker on every host.

A Redis sorted set per repository holds one member per running job, scored with when its claim lapses; the
holder's heartbeat pushes that forward, so a dead worker's slot frees itself within the TTL. Claiming is
one Lua script (drop lapsed claims, count, add), atomic on the one Redis all workers share, and it reads
Redis's clock, so hosts with skewed clocks agree.
"""

from __future__ import annotations

import logging
import uuid
from types import TracebackType

import redis

from workers.queue.heartbeat import Heartbeat

log = logging.getLogger("codellama.repo_slots")

# KEYS[1] the set; ARGV: token, limit, ttl ms. Returns 1 when claimed, else -(ms until the first lapses).
_CLAIM = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('zadd', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('pexpire', KEYS[1], ARGV[3])
  return 1
end
local first = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
return -math.max(1, tonumber(first[2]) - now)
"""
# KEYS[1] the set; ARGV: token, ttl ms. Only a claim still held is extended (XX).
_EXTEND = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changed = redis.call('zadd', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[2])
return changed
"""


class RepoBusy(Exception):
    """The repository already runs as many jobs as it may; try again later."""

    def __init__(self, message: str, lapses_in_s: float) -> None:
        super().__init__(message)
        self.lapses_in_s = lapses_in_s  # when the oldest claim lapses, unless its holder renews it


class RepoSlot:
    """`with RepoSlot(...)`: holds one of the repository's slots for the block, or raises RepoBusy."""

    def __init__(self, client: redis.Redis, repository: str, limit: int, ttl_s: float) -> None:
        self._redis = client
        self._key = f"codellama:repo-slots:{repository}"
        self.repository = repository
        self.limit = limit
        self._ttl_ms = int(ttl_s * 1000)
        self._token = uuid.uuid4().hex
        self._heartbeat = Heartbeat(self._renew, ttl_s, f"a slot of {repository}")

    def __enter__(self) -> RepoSlot:
        claimed = int(self._redis.eval(_CLAIM, 1, self._key, self._token, self.limit, self._ttl_ms))
        if claimed != 1:
            raise RepoBusy(
                f"{self.repository} already runs {self.limit} job(s), its REPO_CONCURRENCY", -claimed / 1000
            )
        self._heartbeat.start()
        return self

    def _renew(self) -> None:
        self._redis.eval(_EXTEND, 1, self._key, self._token, self._ttl_ms)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._heartbeat.stop()
        try:
            self._redis.zrem(self._key, self._token)
        except redis.RedisError as exc:
            log.warning("could not release a slot of %s (it lapses by itself): %s", self.repository, exc)
