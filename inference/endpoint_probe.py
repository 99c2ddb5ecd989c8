"""Background health checks of a pool's model server replicas (GET /health), the I/O half of endpoints.py.

One daemon thread per pool per process: it asks the pool which replicas are due, checks each, and tells the
pool what it found, so that a replica that went down is out before a job tries it, and one that came back
gets requests again without a job having to fail on it first.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import httpx

from inference.endpoints import EndpointPool

log = logging.getLogger(__name__)

# GET /health answers at once on a live TGI; a replica slower than this is as good as down.
HEALTH_TIMEOUT_S = 5.0
# How often the thread asks the pool whether a check is due; the pool's probe interval decides which.
TICK_S = 1.0

HealthCheck = Callable[[str], bool]


class HttpHealthCheck:
    """True when GET <url>/health answers 200. One connection pool for every replica, closed with it."""

    def __init__(self, headers: dict[str, str] | None = None, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
        self._http = httpx.Client(timeout=timeout_s, headers=headers or {})

    def __call__(self, url: str) -> bool:
        try:
            return self._http.get(f"{url}/health").status_code == 200
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        self._http.close()


class EndpointProber:
    """`start()` checks the replicas `pool.due_probes()` names every `tick_s` until `stop()`."""

    def __init__(self, pool: EndpointPool, check: HealthCheck, *, tick_s: float = TICK_S) -> None:
        self.pool = pool
        self._check = check
        self._tick_s = min(tick_s, pool.probe_interval_s)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def probe_due(self) -> None:
        """Check every replica that is due, once."""
        for url in self.pool.due_probes():
            change = self.pool.probed(url, self._check(url))
            if change == "out":
                log.warning("model server %s failed its health check: no requests until it passes", url)
            elif change == "back":
                log.info("model server %s passed its health check: it gets requests again", url)

    def running(self) -> bool:
        # A thread does not survive fork: a Celery pool process inherits the object without its thread.
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def start(self) -> EndpointProber:
        if not self.running():
            self._stopping.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="tgi-health", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=HEALTH_TIMEOUT_S + self._tick_s)

    def _run(self) -> None:
        while not self._stopping.wait(self._tick_s):
            try:
                self.probe_due()
            except Exception:  # the checks must outlive a surprise; requests still fail over without them
                log.exception("health checks of the model servers failed")
