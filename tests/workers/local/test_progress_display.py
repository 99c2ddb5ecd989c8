"""What `fix` prints while it works when nobody watches a terminal: a heartbeat line after each silence."""

from __future__ import annotations

import io
import logging
import time

import pytest

from workers.local.progress_display import PhaseLines, fix_progress, outcome_line
from workers.loop.progress import Reproducing


def test_a_silent_phase_gets_a_still_line_after_the_heartbeat_and_none_before(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="codellama.progress")
    lines = PhaseLines(None, heartbeat_s=3600)
    lines.phase(Reproducing())
    lines.tick()
    assert [record.getMessage() for record in caplog.records] == [
        "reproducing: running the tests on the unchanged code"
    ]
    quick = PhaseLines(None, heartbeat_s=0)
    quick.phase(Reproducing())
    quick.tick()
    assert caplog.records[-1].getMessage() == "still reproducing (0s)"


def test_the_heartbeat_runs_without_a_terminal(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="codellama.progress")
    with fix_progress("json", heartbeat_s=0) as display:
        display.phase(Reproducing())
        deadline = time.monotonic() + 10
        while not any(r.getMessage().startswith("still ") for r in caplog.records):
            assert time.monotonic() < deadline, "no heartbeat line within 10 s"
            time.sleep(0.05)


def test_a_terminal_gets_the_status_line_and_no_heartbeat_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="codellama.progress")
    terminal = io.StringIO()
    lines = PhaseLines(terminal, heartbeat_s=0)
    lines.phase(Reproducing())
    lines.tick()
    assert "… reproducing: running the tests" in terminal.getvalue()
    assert not [r for r in caplog.records if r.getMessage().startswith("still ")]


def test_outcome_lines_are_log_records_in_json_and_plain_text_otherwise(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="codellama.fix")
    outcome_line("text")("Gave up: no answer.")
    assert capsys.readouterr().err == "Gave up: no answer.\n" and not caplog.records
    outcome_line("json")("Gave up: no answer.")
    assert [r.getMessage() for r in caplog.records] == ["Gave up: no answer."]
