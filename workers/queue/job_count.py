"""codellama_jobs_total: every task run counted once, by how it ended, whether it returned or raised."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.exceptions import Ignore, Reject, Retry

from core import metrics

Count = Callable[[dict[str, str]], dict[str, str]]


@contextmanager
def counted_job() -> Iterator[Count]:
    """Yields `count`, which counts the task's result by its status and passes it through; a task that raises
    is counted as retrying (Celery's retry), deferred (waiting for a repository slot or the branch's lock),
    handed_back (requeued on SIGTERM) or crashed."""

    def count(result: dict[str, str]) -> dict[str, str]:
        metrics.JOBS.labels(result["status"]).inc()
        return result

    try:
        yield count
    except Retry:
        metrics.JOBS.labels("retrying").inc()
        raise
    except Ignore:
        metrics.JOBS.labels("deferred").inc()
        raise
    except Reject:
        metrics.JOBS.labels("handed_back").inc()
        raise
    except BaseException:
        metrics.JOBS.labels("crashed").inc()
        raise
