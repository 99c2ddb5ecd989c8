"""Which model server replica gets the next request: least outstanding requests among the healthy ones.

Pure bookkeeping (no I/O; the clock is injected). A replica that fails a request or a health check is
down for a backoff that doubles with each failure in a row; once it lapses the replica is on probation:
the caller probes it (GET /health) before sending it a request, and one success brings it back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# A replica failing again and again is retried at most this many backoffs apart.
MAX_BACKOFF_FACTOR = 10


@dataclass
class _Endpoint:
    url: str
    outstanding: int = 0
    failures: int = 0  # in a row; 0 means healthy
    down_until: float = 0.0


class NoEndpoint(Exception):
    """Every endpoint was excluded by the caller (each already failed this request)."""


class EndpointPool:
    """Thread-safe: a job's candidates ask for endpoints from a thread pool."""

    def __init__(
        self, urls: Iterable[str], *, backoff_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._endpoints = [_Endpoint(url) for url in urls]
        if not self._endpoints:
            raise ValueError("an endpoint pool needs at least one URL")
        self.backoff_s = backoff_s
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
            endpoint = self._find(url)
            endpoint.failures += 1
            backoff = self.backoff_s * min(2 ** (endpoint.failures - 1), MAX_BACKOFF_FACTOR)
            endpoint.down_until = self._clock() + backoff
            return backoff

    def mark_up(self, url: str) -> None:
        with self._lock:
            endpoint = self._find(url)
            endpoint.failures = 0
            endpoint.down_until = 0.0

    def healthy(self) -> tuple[str, ...]:
        with self._lock:
            now = self._clock()
            return tuple(e.url for e in self._endpoints if e.down_until <= now)

    def _find(self, url: str) -> _Endpoint:
        for endpoint in self._endpoints:
            if endpoint.url == url:
                return endpoint
        raise KeyError(f"{url} is not one of this pool's endpoints")
