"""The receiver's Redis connection: bounded waits, and what to say when Redis does not answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import hiredis
import redis
import redis.asyncio as aredis
from kombu.exceptions import OperationalError
from redis.exceptions import DataError

# Redis errors and the broker errors Celery raises when it cannot publish to Redis.
UNAVAILABLE: tuple[type[Exception], ...] = (redis.RedisError, OperationalError, ConnectionError, TimeoutError)


def connect(url: str) -> redis.Redis:
    """A client that gives up within seconds: GitHub waits 10 s for an answer, and a 503 is redelivered."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


# Connections the event loop may hold at once. A burst waits for one (up to the socket timeout) rather than
# failing: redis.asyncio's default pool raises "Too many connections" at 100, which under a backlog turned
# deliveries into 503s (bench/webhook_bench.py).
ASYNC_CONNECTIONS = 64


def connect_async(url: str) -> aredis.Redis:
    """The same bounded waits, for the event loop (bot/fast_path.py)."""
    pool = aredis.BlockingConnectionPool.from_url(
        url,
        max_connections=ASYNC_CONNECTIONS,
        timeout=5,
        socket_connect_timeout=2,
        socket_timeout=5,
        connection_class=HiredisPackedConnection,
    )
    return aredis.Redis(connection_pool=pool)


class HiredisPackedConnection(aredis.Connection):
    """Commands packed by hiredis in C, as redis-py's blocking client already does when hiredis is there;
    its asyncio client packs in Python, which took half of a CI failure's round trip to Redis (the claim
    script has some thirty arguments)."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str):  # "SCRIPT LOAD" and the like: one argument per word
            args = (*args[0].encode().split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError as exc:  # what redis-py raises for a value it cannot send
            raise DataError(str(exc)) from exc


def where(url: str) -> str:
    """The URL without its password, fit for a reason sent to a client or a log line."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def outage(url: str, exc: BaseException) -> str:
    first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return f"Redis at {where(url)} (REDIS_URL) does not answer: {first}"
