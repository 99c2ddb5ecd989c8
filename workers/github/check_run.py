"""The job's Check Run on GitHub, named `codellama-bot`: created queued, edited at each phase, completed.

Writes happen on a thread of their own, throttled (workers/github/throttle.py), so a slow or refusing
Checks API never holds up the repair; a failed write is logged, and a repository where the App lacks
`checks: write` still gets its fix, only without the check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from github import GithubException
from github.CheckRun import CheckRun
from github.Repository import Repository

from core.jobs import CHECK_RUN_NAME
from core.logs import carry_context
from core.scrub import Scrubber
from workers.github import check_text
from workers.github.check_text import CheckText
from workers.github.throttle import Updates
from workers.loop.progress import Phase

log = logging.getLogger("codellama.check_run")

CHECK_NAME = CHECK_RUN_NAME
# After this many failed writes in a row the check is left as it is: GitHub is down or refuses us.
MAX_FAILURES = 3
# Answers that retrying cannot change: no `checks: write` (403), the commit or repository is gone (404),
# GitHub refuses the fields (422).
REFUSALS = (401, 403, 404, 422)


class CheckWriter(Protocol):
    """Writes one state of one Check Run; the first call creates it. Raises on failure."""

    def write(self, state: CheckText) -> None: ...


class Checks(Protocol):
    """What the job tells its check: each phase (a `Progress`), then once how it ended."""

    def phase(self, phase: Phase) -> None: ...

    def finish(self, state: CheckText, timeout_s: float = 30.0) -> None: ...


class NoCheck:
    """A job with no commit to put a check on (an issue)."""

    def phase(self, phase: Phase) -> None:
        pass

    def finish(self, state: CheckText, timeout_s: float = 30.0) -> None:
        pass


class GitHubCheckWriter:
    """Through PyGithub: Repository.create_check_run once, then CheckRun.edit."""

    def __init__(self, repo: Repository, head_sha: str, scrub: Scrubber) -> None:
        self._repo, self._head_sha, self._scrub = repo, head_sha, scrub
        self._run: CheckRun | None = None

    def write(self, state: CheckText) -> None:
        fields: dict[str, Any] = {
            "status": state.status,
            "output": {"title": self._scrub(state.title), "summary": self._scrub(state.summary)},
        }
        if state.conclusion is not None:
            fields["conclusion"] = state.conclusion
        if state.details_url is not None:
            fields["details_url"] = state.details_url
        if state.actions:
            fields["actions"] = list(state.actions)
        if state.annotations:
            fields["output"]["annotations"] = [self._scrubbed(a) for a in state.annotations]
        if self._run is None:
            self._run = self._repo.create_check_run(name=CHECK_NAME, head_sha=self._head_sha, **fields)
        else:
            self._run.edit(**fields)

    def _scrubbed(self, annotation: dict[str, Any]) -> dict[str, Any]:
        # raw_details quotes the fix's code, which may quote what a test printed.
        texts = {k: self._scrub(v) for k, v in annotation.items() if k in ("message", "raw_details")}
        return {**annotation, **texts}


class CheckRunReporter:
    """Owns one Check Run's lifecycle; a `Progress` for the pipeline. Call `start`, then `finish` once."""

    def __init__(
        self, writer: CheckWriter, *, interval_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._writer = writer
        self._updates: Updates[CheckText] = Updates(interval_s, clock)
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=carry_context(self._write_loop), name="check-run", daemon=True)

    def start(self, why: str) -> CheckRunReporter:
        self._put(check_text.queued(why))
        self._thread.start()
        return self

    def phase(self, phase: Phase) -> None:
        self._put(check_text.for_phase(phase))

    def finish(self, state: CheckText, timeout_s: float = 30.0) -> None:
        """Write the final state now and wait for it (at most `timeout_s`: the job's end is not held up
        longer by GitHub)."""
        self._put(state, final=True)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("the check run's last state was not written within %.0f s", timeout_s)

    def _put(self, state: CheckText, *, final: bool = False) -> None:
        with self._wake:
            self._updates.put(state, final=final)
            self._wake.notify()

    def _write_loop(self) -> None:
        failures = 0
        while failures < MAX_FAILURES:
            with self._wake:
                while (wait := self._updates.wait_s()) != 0.0:
                    self._wake.wait(wait)
                state = self._updates.take()
            assert state is not None  # due, so pending
            try:
                self._writer.write(state)
            except Exception as exc:  # the repair goes on whatever the Checks API does
                if isinstance(exc, GithubException) and exc.status in REFUSALS:
                    log.warning(
                        "GitHub refused the check run (HTTP %s); the job goes on without it", exc.status
                    )
                    return
                failures += 1
                log.warning("writing the check run failed (%s); trying again", _describe(exc))
                with self._wake:
                    self._updates.failed(state, _retry_after(exc))
                continue
            failures = 0
            with self._wake:
                if self._updates.finished:
                    return
        log.warning("gave up writing the check run after %d failures in a row", MAX_FAILURES)


def _retry_after(exc: Exception) -> float:
    """GitHub's Retry-After on a secondary rate limit, in seconds (0 when it sent none)."""
    headers = getattr(exc, "headers", None) or {}
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "0")
    try:
        return float(value)
    except ValueError:
        return 0.0


def _describe(exc: Exception) -> str:
    return f"HTTP {exc.status}" if isinstance(exc, GithubException) else type(exc).__name__
