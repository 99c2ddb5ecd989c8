"""What a repair job may spend and what it has spent: rounds, candidates, model tokens, wall time.
Pure logic; the loop feeds it measurements."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from workers.loop.repair_config import RepairConfig


@dataclass
class Spend:
    """What one job used. Times are wall-clock seconds; tests run in parallel count once per stage."""

    started: float = field(default_factory=time.monotonic)
    rounds: int = 0
    candidates_generated: int = 0
    candidates_tested: int = 0
    prompt_tokens: int = 0
    generated_tokens: int = 0
    model_s: float = 0.0
    test_s: float = 0.0
    wall_s: float = 0.0
    stopped_by: str = ""

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.generated_tokens

    def elapsed(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.started

    def finish(self) -> None:
        self.wall_s = self.elapsed()

    @property
    def overhead_s(self) -> float:
        """The loop's own time: everything that was neither the model nor the tests."""
        return max(self.wall_s - self.model_s - self.test_s, 0.0)

    def line(self) -> str:
        return (
            f"{self.rounds} round(s), {self.candidates_generated} candidate(s) "
            f"({self.candidates_tested} tested), {self.tokens:,} model tokens "
            f"({self.generated_tokens:,} generated), {self.wall_s:.0f} s "
            f"(model {self.model_s:.0f} s, tests {self.test_s:.0f} s)"
        )


def exhausted(limits: RepairConfig, spend: Spend, now: float | None = None) -> str:
    """Which budget forbids another round, as a phrase for a report, or "" while all allow one."""
    if spend.rounds >= limits.max_rounds:
        return f"the round budget ({limits.max_rounds})"
    if spend.tokens >= limits.max_tokens:
        return f"the model token budget ({limits.max_tokens:,} tokens; spent {spend.tokens:,})"
    if spend.elapsed(now) >= limits.wall_s:
        return f"the wall-time budget ({limits.wall_s:g} s)"
    return ""
