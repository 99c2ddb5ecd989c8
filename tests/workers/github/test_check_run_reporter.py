"""The Check Run's writer thread: a stuck or refusing GitHub never holds up the job's phases."""

from __future__ import annotations

import threading

from github import GithubException

from tests.conftest import wait_until
from workers.github import check_text
from workers.github.check_run import CheckRunReporter
from workers.github.check_text import CheckText
from workers.loop.progress import Round, SettingUp


class HeldWriter:
    """A Checks API that takes each write only when released."""

    def __init__(self) -> None:
        self.in_flight = threading.Event()
        self.release = threading.Event()
        self.written: list[str] = []

    def write(self, state: CheckText) -> None:
        self.in_flight.set()
        assert self.release.wait(30), "the test never released the write"
        self.written.append(state.title)


class RefusingWriter:
    def __init__(self) -> None:
        self.calls = 0

    def write(self, state: CheckText) -> None:
        self.calls += 1
        raise GithubException(403, {"message": "Resource not accessible by integration"}, None)


def test_phases_return_while_a_write_hangs_and_only_the_latest_waiting_state_is_written() -> None:
    writer = HeldWriter()
    reporter = CheckRunReporter(writer, interval_s=0).start("picked up")
    wait_until(writer.in_flight.is_set, 10, "the first write to start")
    for number in (1, 2, 3):
        reporter.phase(Round(number, 3, 0, 0, 0))  # returns although GitHub has not answered
    assert writer.written == []
    writer.release.set()
    wait_until(lambda: len(writer.written) == 2, 10, "the waiting state to be written")
    reporter.finish(check_text.cancelled("stopped"))
    assert writer.written == ["Queued", "Round 3 of 3", "Stopped"]


def test_a_refused_check_is_not_asked_again_whatever_the_job_tells_it() -> None:
    writer = RefusingWriter()
    reporter = CheckRunReporter(writer, interval_s=0).start("picked up")
    wait_until(lambda: writer.calls == 1, 10, "the create to be refused")
    reporter.phase(SettingUp())
    reporter.finish(check_text.cancelled("stopped"), timeout_s=10)
    assert writer.calls == 1
