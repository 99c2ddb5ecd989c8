"""The repair's metrics, read off what the loop already tells: its phases (a Progress listener in between)
and its Spend when it ends. The loop itself records nothing."""

from __future__ import annotations

import time
from collections.abc import Callable

from core import metrics
from workers.loop.budget import Spend
from workers.loop.progress import Localizing, Phase, Progress, Publishing, Reproducing, Round, SettingUp

PHASE_NAMES: dict[type, str] = {
    SettingUp: "setting_up",
    Reproducing: "reproducing",
    Localizing: "localizing",
    Round: "round",
    Publishing: "publishing",
}


class PhaseTimer:
    """Passes every phase on to `inner`, and observes how long each lasted once the next starts (or `close`).

    A phase told again with new counts (Localizing with its files, Round after judging) is still the same
    phase; a Round with a new number is a new one.
    """

    def __init__(self, inner: Progress, clock: Callable[[], float] = time.monotonic) -> None:
        self.inner, self.clock = inner, clock
        self._current: tuple[str, int] | None = None
        self._since = 0.0

    def phase(self, phase: Phase) -> None:
        key = (PHASE_NAMES[type(phase)], phase.number if isinstance(phase, Round) else 0)
        if key != self._current:
            self.close()
            self._current, self._since = key, self.clock()
        self.inner.phase(phase)

    def close(self) -> None:
        """End the phase in progress (the job is over)."""
        if self._current is not None:
            metrics.PHASE_SECONDS.labels(self._current[0]).observe(self.clock() - self._since)
            self._current = None


def record_spend(spend: Spend) -> None:
    """What one repair loop spent, counted once it ends."""
    metrics.ROUNDS.inc(spend.rounds)
    metrics.CANDIDATES.labels("generated").inc(spend.candidates_generated)
    metrics.CANDIDATES.labels("tested").inc(spend.candidates_tested)
    metrics.TOKENS.labels("prompt").inc(spend.prompt_tokens)
    metrics.TOKENS.labels("completion").inc(spend.generated_tokens)
