"""A claim in Redis kept alive while its holder works: a thread renews it every third of its TTL.

A dead worker's claim lapses within the TTL. A Redis hiccup does not end the heartbeat: the next beat, a third
of the TTL later, still renews the claim in time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import redis

from core.logs import carry_context

log = logging.getLogger("codellama.heartbeat")


class Heartbeat:
    """Calls `renew` every `ttl_s / 3` from `start()` until `stop()`; a failed renewal is a warning."""

    def __init__(self, renew: Callable[[], object], ttl_s: float, what: str) -> None:
        self._renew = renew
        self._every_s = ttl_s / 3
        self._what = what
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=carry_context(self._beat), daemon=True, name="heartbeat")
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                self._renew()
            except redis.RedisError as exc:
                log.warning("could not renew %s: %s", self._what, exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
