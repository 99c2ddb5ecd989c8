"""One running job per target branch, across workers: a Redis lock with a heartbeat.

A job whose worker died keeps its lock only until the TTL lapses, so the redelivered job can start.
"""

from __future__ import annotations

import logging
import threading
import uuid
from types import TracebackType

import redis

from core.logs import carry_context

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
        self.lapses_in_s = lapses_in_s  # unless its holder extends it


class JobLock:
    def __init__(self, client: redis.Redis, name: str, ttl_s: float) -> None:
        self._redis = client
        self._key = f"codellama:job-lock:{name}"
        self._ttl_ms = int(ttl_s * 1000)
        self._token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def __enter__(self) -> JobLock:
        if not self._redis.set(self._key, self._token, nx=True, px=self._ttl_ms):
            remaining_ms = self._redis.pttl(self._key)
            raise LockBusy(f"{self._key} is held by another worker", max(int(remaining_ms), 0) / 1000)
        self._heartbeat = threading.Thread(
            target=carry_context(self._beat), daemon=True, name="job-lock-heartbeat"
        )
        self._heartbeat.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self._ttl_ms / 3000):
            try:
                self._redis.eval(_EXTEND, 1, self._key, self._token, self._ttl_ms)
            except redis.RedisError as exc:
                # A Redis hiccup must not end the heartbeat: the next beat, a third of the TTL later,
                # still extends the lock in time.
                log.warning("could not extend %s: %s", self._key, exc)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        try:
            self._redis.eval(_RELEASE, 1, self._key, self._token)
        except redis.RedisError as exc:
            log.warning("could not release %s (it lapses by itself): %s", self._key, exc)
