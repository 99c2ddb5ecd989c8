"""Which state to write next and when: at most one write per interval, only the latest state, the final one at
once. Pure logic with an injected clock; the Check Run's writer thread does the waiting and the writing.

GitHub's secondary rate limits cap content-creating requests (80 a minute, 500 an hour per App installation
at the time of writing); a job's phases can change faster than that, so states in between are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

S = TypeVar("S")

# After a failed write, wait this many intervals before the next try, or longer if GitHub says so.
BACKOFF_INTERVALS = 4
MIN_BACKOFF_S = 1.0


class Updates(Generic[S]):
    """The latest state not yet written. `put` replaces it; `take` hands it over once it is due."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._pending: S | None = None
        self._final = False
        self._next_at = float("-inf")  # the interval since the last write ends
        self._retry_at = float("-inf")  # the back-off after a failed write ends

    def put(self, state: S, *, final: bool = False) -> None:
        """`final` states skip the interval (not a failure's back-off); nothing after them is taken."""
        if self._final:
            return
        self._pending, self._final = state, final

    def wait_s(self) -> float | None:
        """Seconds until the pending state is due: 0 now, None when nothing is pending."""
        if self._pending is None:
            return None
        due = self._retry_at if self._final else max(self._next_at, self._retry_at)
        return max(due - self._clock(), 0.0)

    def take(self) -> S | None:
        """The pending state if it is due (and the interval starts again), else None."""
        if self.wait_s() != 0.0:
            return None
        state, self._pending = self._pending, None
        self._next_at = self._clock() + self.interval_s
        return state

    def failed(self, state: S, retry_after_s: float = 0.0) -> None:
        """A write of `state` failed: keep it for the next try unless a newer state came meanwhile."""
        if self._pending is None:
            self._pending = state
        backoff = max(retry_after_s, self.interval_s * BACKOFF_INTERVALS, MIN_BACKOFF_S)
        self._retry_at = self._clock() + backoff

    @property
    def finished(self) -> bool:
        """The final state was put and has been taken."""
        return self._final and self._pending is None
