"""The Celery queue's length, read from Redis when Prometheus scrapes, so it is never stale.

kombu's Redis transport keeps a queue as one list per priority step: the queue's own name for priority 0,
and `name + "\\x06\\x16" + step` for the others. Jobs being worked on are not in those lists.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import redis
from prometheus_client.core import GaugeMetricFamily

from bot import redis_conn
from core import metrics

log = logging.getLogger(__name__)

PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)  # kombu's default priority_steps
# A scrape must not wait on a Redis that does not answer: it reports the queue as unknown instead.
TIMEOUT_S = 0.5


def queue_keys(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]


class QueueDepth:
    """Collects codellama_queue_depth and codellama_queue_redis_up for one queue."""

    def __init__(self, redis_url: str, queue: str) -> None:
        self.queue = queue
        self.redis_url = redis_url
        self._redis = redis.Redis.from_url(
            redis_url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S
        )

    def read(self) -> int | None:
        """Jobs waiting, or None when Redis did not answer in time."""
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in queue_keys(self.queue):
                pipe.llen(key)
            return sum(int(n) for n in pipe.execute())
        except redis_conn.UNAVAILABLE as exc:
            log.warning("queue depth unknown: %s", redis_conn.outage(self.redis_url, exc))
            return None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = self.read()
        up = GaugeMetricFamily(metrics.QUEUE_REDIS_UP, "1 when Redis answered the read", labels=["queue"])
        up.add_metric([self.queue], 0 if depth is None else 1)
        yield up
        if depth is not None:
            waiting = GaugeMetricFamily(metrics.QUEUE_DEPTH, "Jobs waiting in the queue", labels=["queue"])
            waiting.add_metric([self.queue], depth)
            yield waiting

    def close(self) -> None:
        self._redis.close()
