"""`/codellama stop`: a job ends soon after the receiver records the stop, whether queued or running.

The receiver writes the delivery id of the job to stop under a key per (repository, number), and
`codellama-bot cancel` a key per job, which also reaches a CI job (core/job_keys.py). A job that finds
itself named there when it starts ends without work; a running job
has a watcher thread that looks every POLL_S and, on seeing it, stops the job the way a hand-back does
(workers/queue/hand_back.py): a signal to the pool process's main thread raises Stopped through the job,
so its `with` blocks and `finally` clauses kill the test run in progress, remove the worktrees and release
the branch lock. Test runs in candidate threads are killed directly (workers/runners/live_processes.py).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import redis

from core.job_keys import cancel_key, stop_key
from core.jobs import RepairRequest
from core.logs import carry_context
from workers.runners import live_processes

log = logging.getLogger("codellama.stop")

# Well inside the 30 s promise, and one GET per second per running job is nothing for Redis.
POLL_S = 1.0
# SIGUSR1 is billiard's soft time limit in pool processes and SIGTERM is the hand-back; SIGUSR2 is free.
STOP_SIGNAL = signal.SIGUSR2


class Stopped(BaseException):
    """`/codellama stop` or `codellama-bot cancel` asked for this job. A BaseException, so that the job's
    own `except Exception` (which reports a crash on GitHub) lets it through to the task."""


def stop_requested(client: redis.Redis, request: RepairRequest) -> bool:
    if client.exists(cancel_key(request.delivery_id)):
        return True
    if request.issue_number is None:
        return False
    stopped = client.get(stop_key(request.repo_full_name, request.issue_number))
    if isinstance(stopped, bytes):
        stopped = stopped.decode(errors="replace")
    return stopped == request.delivery_id


@contextmanager
def watching(client: redis.Redis, request: RepairRequest, poll_s: float = POLL_S) -> Iterator[None]:
    """The span in which a stop recorded for this job raises Stopped in the calling (main) thread."""
    live_processes.accept()  # whatever an earlier job in this process left, this one may run commands
    if threading.current_thread() is not threading.main_thread():
        yield  # a thread pool gets no signals (see hand_back.job_running)
        return
    done = threading.Event()

    def on_stop_signal(signum: int, frame: FrameType | None) -> None:
        if done.is_set():
            return  # the job ended while the signal was on its way: let its outcome stand
        signal.signal(STOP_SIGNAL, signal.SIG_IGN)  # once: the cleanup Stopped triggers must run whole
        live_processes.kill_all_and_refuse()
        raise Stopped(f"stopped by request (job {request.delivery_id})")

    main = threading.main_thread().ident
    assert main is not None

    def watch() -> None:
        while not done.wait(poll_s):
            try:
                if not stop_requested(client, request):
                    continue
            except redis.RedisError as exc:
                log.warning("could not look for a stop of job %s: %s", request.delivery_id, exc)
                continue
            log.warning("job %s: stop requested, ending it", request.delivery_id)
            signal.pthread_kill(main, STOP_SIGNAL)
            live_processes.kill_all_and_refuse()  # runs in candidate threads, whatever the main thread does
            return

    previous = signal.signal(STOP_SIGNAL, on_stop_signal)
    watcher = threading.Thread(target=carry_context(watch), daemon=True, name="stop-watch")
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(timeout=poll_s + 5)
        signal.signal(STOP_SIGNAL, previous)
