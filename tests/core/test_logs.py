"""core/logs.py: JSON lines any reader parses, the job's fields on every line of a job (its threads too),
secrets masked before formatting, HTTP clients quiet unless LOG_LEVEL=DEBUG."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from core import logs
from core.settings import Settings

SECRET = "webhook-secret-that-must-not-leak"


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Logging configured as `serve`, `worker` and `fix` configure it, writing to a string; restored after."""
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logs.configure_logging(Settings(log_format="json", github_webhook_secret=SECRET))
    yield out
    root.handlers[:], root.level = saved[0], saved[1]
    for name in logs.CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _lines(out: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_hostile_messages_stay_one_parseable_line_each(stream: io.StringIO) -> None:
    log = logging.getLogger("codellama.test")
    log.info("two\nlines\r\nand a \x00 and a \x1b[31m colour")
    log.info("undecodable %s", b"caf\xe9".decode("utf-8", "surrogateescape"))
    log.info("x" * 1_000_000)
    log.info("%s", "ünïcödé ✓")
    raw = stream.getvalue()
    assert raw.isascii() and len(raw.splitlines()) == 4
    first, undecodable, huge, unicode = _lines(stream)
    assert first["message"] == "two\nlines\r\nand a \x00 and a \x1b[31m colour"
    assert undecodable["message"] == "undecodable caf\\udce9"
    assert len(huge["message"]) < 70_000 and huge["message"].endswith("(936000 characters cut)")
    assert unicode["message"] == "ünïcödé ✓"
    assert (
        set(first) == {"ts", "level", "logger", "thread", "message"} and first["logger"] == "codellama.test"
    )


def test_secrets_are_masked_in_the_message_and_in_the_exception(stream: io.StringIO) -> None:
    log = logging.getLogger("codellama.test")
    log.warning("the secret is %s", SECRET)
    try:
        raise ValueError(f"bad token {SECRET}\nghp_{'a' * 36}")
    except ValueError:
        log.exception("failed")
    assert SECRET not in stream.getvalue() and "ghp_a" not in stream.getvalue()
    message, failure = _lines(stream)
    assert message["message"] == "the secret is ***"
    assert failure["level"] == "ERROR" and "ValueError: bad token ***" in failure["exception"]


def test_the_job_fields_are_on_every_line_of_the_job_and_its_threads(stream: io.StringIO) -> None:
    log = logging.getLogger("codellama.test")
    log.info("before")
    with logs.job_context(job_id="j1", delivery_id="d-42", repository="o/r", absent=None):
        log.info("in the job")
        thread = threading.Thread(target=logs.carry_context(lambda: log.info("in a thread")))
        thread.start()
        thread.join()
        pool = ThreadPoolExecutor(2)
        list(pool.map(logs.carry_context(lambda n: log.info("in pool %d", n)), range(4)))
        pool.shutdown()
        bare = threading.Thread(target=lambda: log.info("a thread started without the context"))
        bare.start()
        bare.join()
    log.info("after")
    lines = _lines(stream)
    job = {"job_id": "j1", "delivery_id": "d-42", "repository": "o/r"}
    in_job = [line for line in lines if line.items() >= job.items()]
    assert sorted(line["message"] for line in in_job) == sorted(
        ["in the job", "in a thread", *(f"in pool {n}" for n in range(4))]
    )
    # Python starts a thread with an empty context: only threads started through carry_context carry it.
    outside = [line["message"] for line in lines if "job_id" not in line]
    assert outside == ["before", "a thread started without the context", "after"]


def test_http_clients_speak_only_above_info_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        logs.configure_logging(Settings())
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)
        assert logging.getLogger("codellama.x").isEnabledFor(logging.INFO)
        logs.configure_logging(Settings(log_level="debug"))
        assert logging.getLogger("httpcore").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name in logs.CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)


def test_text_lines_carry_the_job_too(stream: io.StringIO) -> None:
    text = logs.formatter_for(Settings(log_format="text"))
    logging.getLogger().handlers[0].setFormatter(text)
    with logs.job_context(delivery_id="d-7", repository="o/r"):
        logging.getLogger("codellama.test").info("hello")
    assert stream.getvalue().rstrip().endswith("codellama.test [delivery_id=d-7] [repository=o/r]: hello")


def test_celerys_own_lines_about_a_repair_task_carry_the_jobs_fields() -> None:
    received = logging.LogRecord("celery.worker.strategy", logging.INFO, __file__, 1, "received", None, None)
    received.data = {"id": "d-1", "name": "codellama.repair", "args": "[ci octo/repo d-1]"}
    assert logs.JobFilter().filter(received)
    assert received.job == {"job_id": "d-1", "delivery_id": "d-1", "repository": "octo/repo"}
    # Another task's arguments, a payload's repr or no data at all name no job.
    for data in ({"id": "x", "args": "[{'kind': 'ci'}]"}, {"id": 3, "args": "[ci a/b c]"}, "text", None):
        other = logging.LogRecord("celery", logging.INFO, __file__, 1, "m", None, None)
        other.data = data
        assert logs.JobFilter().filter(other) and other.job == {}
