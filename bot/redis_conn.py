"""The receiver's Redis connection: bounded waits, and what to say when Redis does not answer."""

from __future__ import annotations

from urllib.parse import urlsplit

import redis
import redis.asyncio as aredis
from kombu.exceptions import OperationalError

# Redis errors and the broker errors Celery raises when it cannot publish to Redis.
UNAVAILABLE: tuple[type[Exception], ...] = (redis.RedisError, OperationalError, ConnectionError, TimeoutError)


def connect(url: str) -> redis.Redis:
    """A client that gives up within seconds: GitHub waits 10 s for an answer, and a 503 is redelivered."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def connect_async(url: str) -> aredis.Redis:
    """The same bounded waits, for the event loop (bot/fast_path.py)."""
    return aredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def where(url: str) -> str:
    """The URL without its password, fit for a reason sent to a client or a log line."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def outage(url: str, exc: BaseException) -> str:
    first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return f"Redis at {where(url)} (REDIS_URL) does not answer: {first}"
