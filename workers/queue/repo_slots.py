"""At most REPO_CONCURRENCY jobs at once per repository, across every worker on every host.

A Redis sorted set per repository holds one member per running job, scored with when its claim lapses; the
holder's heartbeat pushes that forward, so a dead worker's slot frees itself within the TTL. Claiming is
one Lua script (drop lapsed claims, count, add), atomic on the one Redis all workers share, and it reads
Redis's clock, so hosts with skewed clocks agree.

A job turned away keeps its place: it joins the repository's waiting line, ranked by priority, then by when
it first waited. A deferred job waits out its countdown inside a worker, not on the queue, so without a
place a CI repair taken from the queue the moment a slot frees would pass a command deferred before it.
A slot goes to a job only while fewer jobs rank ahead of it than slots are free; a place lapses when its
job stops coming back for it (a dead worker, a stopped job).
"""

from __future__ import annotations

import logging
import uuid
from types import TracebackType

import redis

from workers.queue.heartbeat import Heartbeat

log = logging.getLogger("codellama.repo_slots")

# KEYS: the claims, the waiting line (member: job, score: rank), when each place lapses (score: ms), the
# line's arrival counter.
# ARGV: token, limit, claim ttl ms, job ('' for none: no place kept), priority, place ttl ms.
# Returns {1} when claimed, else {0, ms until the first claim lapses (0: a slot is free), jobs ahead}.
_CLAIM = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('zrangebyscore', KEYS[3], '-inf', now)) do
  redis.call('zrem', KEYS[2], gone)
end
redis.call('zremrangebyscore', KEYS[3], '-inf', now)
-- A rank orders by priority, then by when the job first waited: its arrival number in the line, not the
-- time, which two jobs turned away in one millisecond shared (and then neither ranked ahead of the other).
local rank = redis.call('zscore', KEYS[2], ARGV[4])
local arrival = tonumber(redis.call('get', KEYS[4]) or '0') + 1
rank = rank and tonumber(rank) or tonumber(ARGV[5]) * 1e13 + arrival
local ahead = redis.call('zcount', KEYS[2], '-inf', '(' .. rank)
local free = tonumber(ARGV[2]) - redis.call('zcard', KEYS[1])
if free > ahead then
  redis.call('zadd', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('pexpire', KEYS[1], ARGV[3])
  redis.call('zrem', KEYS[2], ARGV[4])
  redis.call('zrem', KEYS[3], ARGV[4])
  return {1}
end
if ARGV[4] ~= '' then
  if redis.call('zadd', KEYS[2], rank, ARGV[4]) == 1 then
    redis.call('set', KEYS[4], arrival, 'PX', ARGV[6])
  end
  redis.call('zadd', KEYS[3], now + tonumber(ARGV[6]), ARGV[4])
  redis.call('pexpire', KEYS[2], ARGV[6])
  redis.call('pexpire', KEYS[3], ARGV[6])
  redis.call('pexpire', KEYS[4], ARGV[6])  -- the counter lapses with the line, never before it
end
if free > 0 then
  return {0, 0, ahead}
end
local first = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.max(1, tonumber(first[2]) - now), ahead}
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
    """The repository already runs as many jobs as it may, or jobs ranked ahead wait for the free slots;
    try again later."""

    def __init__(self, message: str, lapses_in_s: float) -> None:
        super().__init__(message)
        # When the oldest claim would lapse unless its holder renews it; 0 when a slot is free already.
        self.lapses_in_s = lapses_in_s


class RepoSlot:
    """`with RepoSlot(...)`: holds one of the repository's slots for the block, or raises RepoBusy."""

    def __init__(
        self,
        client: redis.Redis,
        repository: str,
        limit: int,
        ttl_s: float,
        *,
        job: str = "",
        priority: int = 0,
        place_ttl_s: float | None = None,
    ) -> None:
        """`job` names the job across its retries, so it keeps its place in the waiting line (none without
        it); `priority` is its queue priority (lower first); its place lapses `place_ttl_s` (default
        `ttl_s`) after it last asked for a slot."""
        self._redis = client
        self._key = f"codellama:repo-slots:{repository}"
        self._waiting = f"codellama:repo-waiting:{repository}"
        self._lapses = f"codellama:repo-waiting-lapses:{repository}"
        self._arrivals = f"codellama:repo-waiting-arrivals:{repository}"
        self.repository = repository
        self.limit = limit
        self._ttl_ms = int(ttl_s * 1000)
        self._token = uuid.uuid4().hex
        self._job = job
        self._priority = priority
        self._place_ttl_ms = int((place_ttl_s if place_ttl_s is not None else ttl_s) * 1000)
        self._heartbeat = Heartbeat(self._renew, ttl_s, f"a slot of {repository}")

    def __enter__(self) -> RepoSlot:
        keys = (self._key, self._waiting, self._lapses, self._arrivals)
        args = (self._token, self.limit, self._ttl_ms, self._job, self._priority, self._place_ttl_ms)
        reply = [int(x) for x in self._redis.eval(_CLAIM, len(keys), *keys, *args)]
        if reply[0] != 1:
            _, frees_in_ms, ahead = reply
            if frees_in_ms == 0:
                why = f"{ahead} waiting job(s) of {self.repository} rank ahead (priority, then age)"
            else:
                why = f"{self.repository} already runs {self.limit} job(s), its REPO_CONCURRENCY"
            raise RepoBusy(why, frees_in_ms / 1000)
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
