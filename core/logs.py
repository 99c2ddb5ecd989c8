"""How every command logs: plain text or one JSON object per line on stderr, the job's identity on each
line of a job, HTTP clients' request lines only at DEBUG, secrets masked before any formatting.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from core.jobs import parse_task_argsrepr
from core.scrub import install_log_scrubbing, scrubber_for
from core.settings import Settings

# One line per request at INFO (httpx's `POST …/tokenize` was 116 of a `fix`'s 124 lines); their warnings
# and errors still show.
# httpx2 is the fork huggingface_hub's InferenceClient talks to TGI through.
CHATTY_LOGGERS = ("httpx", "httpx2", "httpcore", "urllib3", "github")
# A message longer than this is cut: one record must not become a multi-megabyte line a log shipper drops.
MAX_MESSAGE_CHARS = 64_000
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(job_tag)s: %(message)s"

# A tuple of (name, value) pairs: a context variable's value must not be mutable, copies share it.
_job: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "codellama_job", default=()
)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def job_context(**fields: object) -> Iterator[None]:
    """Every record logged inside, from this thread or one started through `carry_context`, carries
    these fields (None values are left out)."""
    token = _job.set(tuple((name, str(value)) for name, value in fields.items() if value is not None))
    try:
        yield
    finally:
        _job.reset(token)


def current_job() -> dict[str, str]:
    """The fields of the job this thread is working for (empty outside a job)."""
    return dict(_job.get())


def carry_context(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn`, run in a copy of the caller's context from whichever thread calls it. A new thread starts with
    an empty context (before Python 3.14), so without this a job's threads would log anonymously. Each call
    runs in its own copy: one Context cannot be entered by two threads at once."""
    context = contextvars.copy_context()

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return context.copy().run(fn, *args, **kwargs)

    return run


def celery_task_fields(record: logging.LogRecord) -> dict[str, str]:
    """The job's fields from a Celery worker line about a repair task, or none. Celery writes those lines
    ("received", "succeeded", "failed") outside the job's context, with the task's id and argsrepr in
    `data`."""
    data = getattr(record, "data", None)
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return {}
    args = data.get("args")
    label = parse_task_argsrepr(args) if isinstance(args, str) else None
    if label is None:
        return {}
    return {"job_id": data["id"], "delivery_id": label.delivery_id, "repository": label.repository}


class JobFilter(logging.Filter):
    """Puts the job's fields on each record as `job` (a dict) and `job_tag` (text for the plain format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(getattr(record, "job", None) or current_job() or celery_task_fields(record))
        record.job = fields
        record.job_tag = "".join(f" [{name}={value}]" for name, value in fields.items())
        return True


def _clean(text: str) -> str:
    """Text strict JSON readers accept: a lone surrogate (an undecodable byte read with surrogateescape)
    is written as the six characters `\\udcff`, and a huge message is cut with a note."""
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + f" … ({len(text) - MAX_MESSAGE_CHARS} characters cut)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: ts, level, logger, message, the job's fields, and
    `exception`/`stack` when there are any, and the thread (a job's candidates and check run log from
    their own). ASCII only, so no terminal or locale can break a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "thread": record.threadName or "",
            "message": _clean(record.getMessage()),
        }
        for name, value in (getattr(record, "job", None) or current_job()).items():
            entry.setdefault(name, _clean(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = _clean(record.exc_text)
        if record.stack_info:
            entry["stack"] = _clean(record.stack_info)
        return json.dumps(entry, ensure_ascii=True)


def formatter_for(settings: Settings) -> logging.Formatter:
    return JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings) -> None:
    """The one logging set-up of `serve`, `worker` and `fix`: a stderr handler on the root logger in the
    chosen format, at LOG_LEVEL, with secrets masked. Replaces whatever handlers the root logger had."""
    install_log_scrubbing(scrubber_for(settings))  # masks at record creation, before any formatter runs
    handler = logging.StreamHandler(sys.stderr)
    # On the handler too: a library that sets its own logger to DEBUG (bm25s does) must not print below it.
    handler.setLevel(settings.log_level)
    handler.setFormatter(formatter_for(settings))
    handler.addFilter(JobFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Warnings printed before Celery would capture them (its running-as-root warning) would break JSON lines.
    logging.captureWarnings(True)
    quiet = None if settings.log_level == "DEBUG" else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(quiet or logging.NOTSET)
