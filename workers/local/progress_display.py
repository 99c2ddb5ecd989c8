"""What `fix` shows while it works: one line per phase and per round, through logging (so LOG_FORMAT=json
keeps every stderr line JSON), and meanwhile on a terminal a status line that ticks every second, elsewhere (a
CI log, a pipe) a "still ..." line after every HEARTBEAT_S of silence, so a long test run never looks hung."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from core.logs import carry_context
from workers.loop.progress import Localizing, Phase, Progress, Publishing, Reproducing, Round, SettingUp

log = logging.getLogger("codellama.progress")
TICK_S = 1.0
HEARTBEAT_S = 5.0


def describe(phase: Phase) -> str:
    """One line saying what the repair is doing now."""
    if isinstance(phase, SettingUp):
        return "setting up: worktree, configuration, set-up commands"
    if isinstance(phase, Reproducing):
        return "reproducing: running the tests on the unchanged code"
    if isinstance(phase, Localizing):
        files = ", ".join(path for path, _ in phase.files[:3])
        return f"localizing: choosing the code for the prompt{f' ({files})' if files else ''}"
    if isinstance(phase, Round):
        return (
            # Told as a round starts and again once its candidates are tested: the totals say which.
            f"round {phase.number}/{phase.of}: {phase.tested} candidate(s) tested, "
            f"{phase.passed} passing, {phase.tokens:,} tokens so far"
        )
    if isinstance(phase, Publishing):
        return "publishing: committing the fix to a new branch"
    return type(phase).__name__


class PhaseLines(Progress):
    """Logs each phase; with a terminal, also keeps a live status line (phase and seconds elapsed)."""

    def __init__(self, terminal: TextIO | None, heartbeat_s: float = HEARTBEAT_S) -> None:
        self._terminal = terminal
        self._heartbeat_s = heartbeat_s
        self._current = "starting"
        self._since = self._last_line = time.monotonic()
        self._lock = threading.Lock()

    def phase(self, phase: Phase) -> None:
        line = describe(phase)
        with self._lock:
            self._current, self._since = line, time.monotonic()
            self._last_line = self._since
            self._clear()
        log.info("%s", line)

    def tick(self) -> None:
        now = time.monotonic()
        with self._lock:
            seconds = int(now - self._since)
            if self._terminal is not None:
                self._terminal.write(f"\r\x1b[K… {self._current[:100]} ({seconds}s)")
                self._terminal.flush()
                return
            if now - self._last_line < self._heartbeat_s:
                return
            self._last_line = now
        log.info("still %s (%ds)", self._current.split(":", 1)[0], seconds)

    def _clear(self) -> None:
        if self._terminal is not None:
            self._terminal.write("\r\x1b[K")
            self._terminal.flush()

    def close(self) -> None:
        with self._lock:
            self._clear()


@contextmanager
def fix_progress(log_format: str, heartbeat_s: float = HEARTBEAT_S) -> Iterator[PhaseLines]:
    """The display for a `fix` run: live only when stderr is a terminal and the logs are text."""
    terminal = sys.stderr if sys.stderr.isatty() and log_format == "text" else None
    display = PhaseLines(terminal, heartbeat_s)
    stop = threading.Event()

    def ticking() -> None:
        while not stop.wait(TICK_S):
            display.tick()

    ticker = threading.Thread(target=carry_context(ticking), daemon=True, name="progress")
    ticker.start()
    try:
        yield display
    finally:
        stop.set()
        ticker.join(timeout=2 * TICK_S)
        display.close()


def outcome_line(log_format: str) -> Callable[[str], None]:
    """How `fix` tells its outcome on stderr: as written for a person, or with LOG_FORMAT=json as a log
    record, so that every stderr line stays one JSON object for a log collector."""
    if log_format != "json":
        return lambda text: print(text, file=sys.stderr)
    outcome_log = logging.getLogger("codellama.fix")
    return lambda text: outcome_log.info("%s", text)
