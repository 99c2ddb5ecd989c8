"""One running job per target branch, across workers: a Redis lock with a heartbeat.

A job whose worker died keeps its lock only until the TTL lapses, so the redelivered job can start.
"""

from __future__ import annotations

import logging
import uuid
from types import TracebackType

import redis

from workers.queue.heartbeat import Heartbeat

log = logging.getLogger("codellama.lock")

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class LockBusy(Exception):
    """Another worker is running the same job right now (or its dead worker's lock has not lapsed)."""

    def __init__(self, message: str, lapses_in_s: float) -> None:
        super().__init__(message)
        self.lapses_in_s = lapses_in_s  # when the lock lapses, unless its holder renews it


class JobLock:
    """`with JobLock(...)`: holds the lock for the block, or raises LockBusy."""

    def __init__(self, client: redis.Redis, name: str, ttl_s: float) -> None:
        self._redis = client
        self._key = f"codellama:job-lock:{name}"
        self._ttl_ms = int(ttl_s * 1000)
        self._token = uuid.uuid4().hex
        self._heartbeat = Heartbeat(self._renew, ttl_s, self._key)

    def __enter__(self) -> JobLock:
        if not self._redis.set(self._key, self._token, nx=True, px=self._ttl_ms):
            remaining_ms = self._redis.pttl(self._key)
            raise LockBusy(f"{self._key} is held by another worker", max(int(remaining_ms), 0) / 1000)
        self._heartbeat.start()
        return self

    def _renew(self) -> None:
        self._redis.eval(_EXTEND, 1, self._key, self._token, self._ttl_ms)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._heartbeat.stop()
        try:
            self._redis.eval(_RELEASE, 1, self._key, self._token)
        except redis.RedisError as exc:
            log.warning("could not release %s (it lapses by itself): %s", self._key, exc)
