"""SIGTERM hands the running job back to the queue at once, instead of finishing it first.

`docker stop` sends SIGTERM and, 10 s later, SIGKILL; a repair job can take an hour. Celery's warm shutdown
would wait for the job and be killed mid-way, leaving the job to the lease sweep. Instead:
- the worker's main process forwards SIGTERM to the pool processes running jobs, then lets Celery's own
  warm shutdown go on (it takes no new job);
- in a pool process, SIGTERM during a job raises HandBack through the job, so its `with` blocks and
  `finally` clauses release the branch lock and remove the workspace, and the task rejects its message
  with requeue: Redis holds the job again before the worker exits, and another worker takes it up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from celery import signals
from celery.worker import state


class HandBack(BaseException):
    """SIGTERM reached a pool process during a job. A BaseException, so that the job's own
    `except Exception` (which reports a crash on GitHub) lets it through to the task."""


def _on_sigterm_in_job(signum: int, frame: FrameType | None) -> None:
    # One hand-back per job: the cleanup that HandBack triggers must not be interrupted by the next SIGTERM
    # (the main process forwards one, and `kill` of the process group sends another).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise HandBack("the worker is stopping (SIGTERM)")


@contextmanager
def job_running() -> Iterator[None]:
    """The span in which SIGTERM hands the job back. Installed per job because billiard sets its own
    SIGTERM handler in each pool process after Celery's process-init hooks ran; outside a job that one
    (exit at once) is right, and it is put back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # a thread pool (not the CLI's prefork pool): Python delivers signals to the main thread only
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm_in_job)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main_process_ready(**kwargs: Any) -> None:
    """After Celery installed its own SIGTERM handler (warm shutdown): forward SIGTERM to the jobs first."""
    celery_handler = signal.getsignal(signal.SIGTERM)
    if getattr(celery_handler, "forwards_to_jobs", False):
        return  # the consumer restarted (a lost broker connection): already in place

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        me = os.getpid()
        for pid in {r.worker_pid for r in tuple(state.active_requests)}:
            if pid and pid != me:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGTERM)
        if callable(celery_handler):
            celery_handler(signum, frame)

    on_sigterm.forwards_to_jobs = True  # type: ignore[attr-defined]
    signal.signal(signal.SIGTERM, on_sigterm)


def install() -> None:
    """Call once in a worker process before it starts; the pool half is `job_running`."""
    signals.worker_ready.connect(_main_process_ready, weak=False)
