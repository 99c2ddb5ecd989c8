"""Which model server replica gets the next request: least outstanding requests among the healthy ones.

Pure bookkeeping (no I/O; the clock is injected). A replica that fails a request or a health check is
down for a backoff that doubles with each failure in a row; once it lapses the replica is on probation:
the caller probes it (GET /health) before sending it a request, and one success brings it back.

With several replicas, inference/endpoint_probe.py also checks them in the background, asking `due_probes`
which ones are due and telling `probed` what each answered: a healthy replica whose check fails is taken
out at once, and a replica out because its check failed is back as soon as one passes, without a job
having to try it. A replica out because a request failed waits for its backoff first: a good /health does
not vouch for a server whose generations fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# A replica failing again and again is retried at most this many backoffs apart.
MAX_BACKOFF_FACTOR = 10
# Background checks of every replica, healthy or not, this many seconds apart.
DEFAULT_PROBE_INTERVAL_S = 10.0


@dataclass
class _Endpoint:
    url: str
    outstanding: int = 0
    failures: int = 0  # in a row; 0 means healthy
    down_until: float = 0.0
    # Out because its health check failed, not a request: the next check that passes brings it back.
    health_failed: bool = False
    next_probe: float = 0.0


class NoEndpoint(Exception):
    """Every endpoint was excluded by the caller (each already failed this request)."""


class EndpointPool:
    """Thread-safe: a job's candidates ask for endpoints from a thread pool."""

    def __init__(
        self,
        urls: Iterable[str],
        *,
        backoff_s: float = 30.0,
        probe_interval_s: float = DEFAULT_PROBE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoints = [_Endpoint(url) for url in urls]
        if not self._endpoints:
            raise ValueError("an endpoint pool needs at least one URL")
        self.backoff_s = backoff_s
        self.probe_interval_s = probe_interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._turn = 0  # round-robin among equally loaded endpoints

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(e.url for e in self._endpoints)

    def choose(self, exclude: Iterable[str] = ()) -> str:
        """The endpoint for the next request, counted as outstanding until `finished(url)`.

        Healthy ones first, by fewest outstanding requests, ties in turn. With none healthy, the one whose
        backoff ends first: a request to a replica that may be back beats no request at all.
        """
        excluded = set(exclude)
        with self._lock:
            now = self._clock()
            candidates = [e for e in self._endpoints if e.url not in excluded]
            if not candidates:
                raise NoEndpoint(f"every endpoint failed this request: {', '.join(self.urls)}")
            usable = [e for e in candidates if e.down_until <= now] or [
                min(candidates, key=lambda e: e.down_until)
            ]
            count = len(self._endpoints)
            # Rotating the start of the scan makes ties go round-robin.
            order = sorted(
                usable,
                key=lambda e: (e.outstanding, (self._endpoints.index(e) - self._turn) % count),
            )
            chosen = order[0]
            self._turn = (self._endpoints.index(chosen) + 1) % count
            chosen.outstanding += 1
            return chosen.url

    def finished(self, url: str) -> None:
        with self._lock:
            endpoint = self._find(url)
            endpoint.outstanding = max(0, endpoint.outstanding - 1)

    def on_probation(self, url: str) -> bool:
        """True when `url` failed before and its backoff has lapsed: probe it before trusting it."""
        with self._lock:
            return self._find(url).failures > 0

    def mark_down(self, url: str) -> float:
        """`url` failed a request or a health check; returns how long it is left alone."""
        with self._lock:
            return self._mark_down(self._find(url), health_failed=False)

    def mark_up(self, url: str) -> None:
        with self._lock:
            self._mark_up(self._find(url))

    def due_probes(self) -> tuple[str, ...]:
        """The replicas a background check should probe now, each counted as probed until the next interval
        (so two callers do not probe one replica twice). A replica out for a failed request is not due
        before its backoff lapses."""
        with self._lock:
            now = self._clock()
            due = []
            for e in self._endpoints:
                waiting = e.failures > 0 and not e.health_failed and e.down_until > now
                if e.next_probe <= now and not waiting:
                    e.next_probe = now + self.probe_interval_s
                    due.append(e.url)
            return tuple(due)

    def probed(self, url: str, ok: bool) -> str | None:
        """Record what a background check of `url` found; returns "out" or "back" when that changed whether
        it gets requests, else None."""
        with self._lock:
            endpoint = self._find(url)
            usable = endpoint.down_until <= self._clock()
            if ok:
                if not endpoint.health_failed:
                    # Healthy already, or on probation after a failed request: a request's success clears it.
                    return None
                self._mark_up(endpoint)
                return "back"
            self._mark_down(endpoint, health_failed=True)
            return "out" if usable else None

    def _mark_down(self, endpoint: _Endpoint, *, health_failed: bool) -> float:
        endpoint.failures += 1
        endpoint.health_failed = health_failed
        backoff = self.backoff_s * min(2 ** (endpoint.failures - 1), MAX_BACKOFF_FACTOR)
        endpoint.down_until = self._clock() + backoff
        return backoff

    @staticmethod
    def _mark_up(endpoint: _Endpoint) -> None:
        endpoint.failures = 0
        endpoint.down_until = 0.0
        endpoint.health_failed = False

    def healthy(self) -> tuple[str, ...]:
        with self._lock:
            now = self._clock()
            return tuple(e.url for e in self._endpoints if e.down_until <= now)

    def _find(self, url: str) -> _Endpoint:
        for endpoint in self._endpoints:
            if endpoint.url == url:
                return endpoint
        raise KeyError(f"{url} is not one of this pool's endpoints")
