"""SIGTERM inside a job raises HandBack through the job's own `except Exception`, once, and the process's
own handler is back afterwards (in-process, real signals)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from workers.queue.hand_back import HandBack, job_running


@pytest.fixture
def outside_handler() -> Iterator[list[int]]:
    """Stands for billiard's handler outside jobs; records the signals it gets."""
    got: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        got.append(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield got
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_sigterm_in_a_job_hands_it_back_through_broad_excepts(outside_handler: list[int]) -> None:
    cleaned_up = []
    with pytest.raises(HandBack), job_running():
        try:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                raise AssertionError("the job went on after SIGTERM")
            except Exception:  # the job's own "report a crash" handler must not swallow it
                raise AssertionError("HandBack was caught as an ordinary error") from None
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # a second SIGTERM during cleanup is ignored
            cleaned_up.append(True)
    assert cleaned_up == [True]
    assert outside_handler == []
    os.kill(os.getpid(), signal.SIGTERM)
    assert outside_handler == [signal.SIGTERM]  # outside a job, the process's own handler again


def test_a_job_that_ends_normally_restores_the_handler(outside_handler: list[int]) -> None:
    with job_running():
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    assert outside_handler == [signal.SIGTERM]
