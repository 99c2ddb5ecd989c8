"""What every webhook handler gets: settings, the ledger, the queue, the GitHub gate and the job memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.dedupe import Ledger
from bot.enqueue import Enqueuer
from bot.github_gate import GitHubGate
from bot.job_memory import JobMemory
from core.job_registry import JobRegistry
from core.settings import Settings

if TYPE_CHECKING:
    from bot.fast_path import FastPath


@dataclass(frozen=True)
class Delivery:
    event: str
    delivery_id: str
    payload: dict[str, Any]

    @property
    def action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None


@dataclass(frozen=True)
class HandlerContext:
    settings: Settings
    ledger: Ledger
    enqueuer: Enqueuer
    github: GitHubGate
    memory: JobMemory
    # The jobs list the /jobs page reads (core/job_registry.py); None: the page stays off.
    jobs: JobRegistry | None = None
    # The event loop's claims and publish (`serve` sets it); without it every delivery runs in a thread.
    fast: FastPath | None = None


@dataclass(frozen=True)
class Outcome:
    """How a delivery was handled: the HTTP status and a short reason, which is also logged."""

    status: int
    reason: str

    @classmethod
    def queued(cls, what: str) -> Outcome:
        return cls(202, f"queued: {what}")

    @classmethod
    def ignored(cls, why: str) -> Outcome:
        return cls(200, f"ignored: {why}")
