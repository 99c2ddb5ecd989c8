"""A running job's lease: its worker keeps renewing it, so only a dead worker's job is handed to another.

kombu's Redis transport keeps every unacknowledged delivery in the sorted set `unacked_index`, scored with
the time it was delivered, and each worker sweeps that set every `unacked_restore_interval` seconds,
requeueing deliveries older than the visibility timeout. On its own that timeout has to outlast the
longest job (or a live job runs twice), so a killed worker's job waited an hour. Here the worker's main
process re-scores the deliveries it holds every sixth of the timeout: the score becomes a lease that a
live job of any length keeps, and that lapses within one timeout (plus one sweep) once the worker dies.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from celery import Celery, bootsteps
from celery.worker import state

log = logging.getLogger("codellama.lease")

# How many renewals fit in one visibility timeout: five can be missed (a Redis hiccup, a busy event loop)
# before a live job's lease lapses.
RENEWALS_PER_TIMEOUT = 6


def held_delivery_tags() -> list[str]:
    """The delivery tags of the jobs this worker process has taken and not yet acknowledged."""
    # A job waiting out a retry's or a deferral's countdown (an ETA message) is held too, but Celery lists
    # it as scheduled, not reserved, until it is due. Left unrenewed, a countdown longer than the timeout
    # let the sweep requeue it while this worker still held it, and at the ETA both copies ran.
    requests = (*tuple(state.reserved_requests), *tuple(state.scheduled_requests))
    tags = {r.message.delivery_tag for r in requests if r.message is not None}
    return sorted(str(tag) for tag in tags if tag)


def renew(client: Any, index_key: str, tags: list[str], now: float | None = None) -> int:
    """Re-score `tags` in kombu's unacked index; a tag already acknowledged or requeued is not re-added.

    Returns how many leases were renewed.
    """
    if not tags:
        return 0
    stamp = time.time() if now is None else now
    # XX: only members still present. CH: count the changed scores, so the caller learns what it renewed.
    return int(client.zadd(index_key, dict.fromkeys(tags, stamp), xx=True, ch=True))


class JobLease(bootsteps.StartStopStep):
    """Consumer step: a timer on the worker's event loop that renews the leases of the jobs it holds."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        options = parent.app.conf.broker_transport_options or {}
        self.interval_s = float(options.get("visibility_timeout", 3600)) / RENEWALS_PER_TIMEOUT
        self._timer: Any = None

    def start(self, parent: Any) -> None:
        channel = parent.task_consumer.channel if parent.task_consumer is not None else None
        if channel is None or not hasattr(channel, "unacked_index_key"):
            log.warning("the broker is not Redis: job leases are not renewed")
            return
        self._timer = parent.timer.call_repeatedly(self.interval_s, self._renew, (channel,), priority=10)

    def _renew(self, channel: Any) -> None:
        tags = held_delivery_tags()
        if not tags:
            return
        try:
            # A pooled connection of its own, never `channel.client`: that one may be waiting on the BRPOP
            # a worker with a free pool process keeps in flight, and a command sent behind it would read
            # the BRPOP's reply (the worker then dies: "'int' object is not iterable").
            with channel.conn_or_acquire() as client:
                renewed = renew(client, channel.unacked_index_key, tags)
        except (redis.RedisError, OSError) as exc:
            # The next renewal tries again; five in a row must fail before the lease lapses.
            log.warning("could not renew the lease of %d job(s): %s", len(tags), exc)
            return
        log.debug("renewed %d of %d job lease(s)", renewed, len(tags))

    def stop(self, parent: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    shutdown = stop


def install(app: Celery) -> None:
    app.steps["consumer"].add(JobLease)
