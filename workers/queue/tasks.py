"""Celery tasks: thin, like web views. They take identifiers, re-fetch state and call the job."""

from __future__ import annotations

import logging
import shutil
from typing import Any

import redis
import requests
from celery import Celery, Task
from celery.exceptions import Ignore, Reject

from core.errors import ConfigurationError, GitHubUnavailable, TransientError
from core.job_registry import JobRegistry, request_links
from core.jobs import REPAIR_TASK, RepairRequest
from core.logs import job_context
from core.settings import Settings
from workers.github.job import job_dir_for, run_github_job
from workers.github.replies import answer_help, report_stopped
from workers.queue import hand_back, job_lease, job_rows, stop_watch
from workers.queue.ended_jobs import EndedJobs
from workers.queue.hand_back import HandBack
from workers.queue.job_count import counted_job
from workers.queue.job_lock import JobLock, LockBusy
from workers.queue.job_rows import RowProgress
from workers.queue.log_scrubbing import scrub_worker_logs
from workers.queue.repo_slots import RepoBusy, RepoSlot
from workers.queue.stop_watch import Stopped

log = logging.getLogger("codellama.tasks")

MAX_TRANSIENT_RETRIES = 5
# A job deferred because its repository is at REPO_CONCURRENCY comes back at most this long later (or when
# the oldest claim would lapse, if sooner): short, as a running job may end any moment.
REPO_BUSY_RETRY_S = 10.0
# The status a stopped job ends with (the Check Run's conclusion `cancelled`).
CANCELLED = "cancelled"
# The status of a copy of a job's message that came after the job ended: it does nothing.
DUPLICATE = "duplicate"


def register_tasks(app: Celery, settings: Settings) -> None:
    settings.require("github_app_id", "github_private_key")
    scrub_worker_logs(settings)
    locks = redis.Redis.from_url(settings.redis_url)
    rows = JobRegistry.for_settings(locks, settings)
    ended = EndedJobs(locks, settings.dedupe_ttl_s)
    api_url = settings.github_api_url
    job_lease.install(app)
    hand_back.install()

    @app.task(name=REPAIR_TASK, bind=True, max_retries=MAX_TRANSIENT_RETRIES)
    def repair(self: Task, payload: dict[str, Any]) -> dict[str, str]:
        request = RepairRequest.from_payload(payload)
        with (
            job_context(
                job_id=self.request.id, delivery_id=request.delivery_id, repository=request.repo_full_name
            ),
            counted_job() as count,
        ):
            earlier = ended.outcome(self.request.id)
            if earlier is not None:
                # Acknowledged, not run: the branch lock only kept the copies apart, and the job's pull
                # request, comment or check run is already there.
                log.warning(
                    "job %s already ended (%s): this copy of it does nothing", request.delivery_id, earlier
                )
                return count({"status": DUPLICATE, "detail": f"the job already ended: {earlier}"})
            result = count(_repair(self, request))
            ended.mark(self.request.id, result["status"])
            return result

    def _repair(self: Task, request: RepairRequest) -> dict[str, str]:
        log.info("job %s started: %s (priority %d)", request.delivery_id, request.kind, request.priority())
        if stop_watch.stop_requested(locks, request):
            return _stopped(request, started=False)
        rows.running(request, request_links(request, api_url))
        if request.kind == "help":
            # No lock: help reads the default branch and writes one comment, beside any running job.
            try:
                first_line = answer_help(settings, request)
            except (TransientError, requests.RequestException) as exc:
                transient = exc if isinstance(exc, TransientError) else unreachable(exc)
                raise _retry(self, request, transient) from exc
            _row_done(request, "answered", first_line)
            return {"status": "answered", "detail": first_line}
        lock_name = f"{request.repo_full_name}:{request.branch_name(settings.bot_branch_prefix)}"
        try:
            with (
                hand_back.job_running(),
                RepoSlot(
                    locks,
                    request.repo_full_name,
                    settings.repo_concurrency,
                    settings.job_lock_ttl_s,
                    job=request.delivery_id,
                    priority=request.priority(),
                    # Its place outlives a few countdowns: a worker busy with other jobs may be late.
                    place_ttl_s=3 * REPO_BUSY_RETRY_S,
                ),
                JobLock(locks, lock_name, settings.job_lock_ttl_s),
                stop_watch.watching(locks, request),
            ):
                outcome = run_github_job(settings, request, RowProgress(rows, request.delivery_id))
        except Stopped:
            # Acknowledged like a finished job, never retried: a stopped job must not come back.
            return _stopped(request, started=True)
        except HandBack:
            # The worker is stopping: the job goes back to the queue now, for another worker to take up.
            log.warning("job %s handed back: the worker is stopping", request.delivery_id)
            rows.requeued(request.delivery_id, "handed back: its worker stopped")
            raise Reject("handed back on SIGTERM", requeue=True) from None
        except RepoBusy as busy:
            # Deferred, not waited for: the retry waits in the queue (an ETA message), not in a pool
            # process, so the worker takes other repositories' jobs meanwhile; it is never lost.
            countdown = max(1.0, min(busy.lapses_in_s, REPO_BUSY_RETRY_S))
            log.info("job %s deferred for %.0fs: %s", request.delivery_id, countdown, busy)
            rows.requeued(request.delivery_id, "waiting for a slot in its repository")
            raise _defer(self, countdown) from None
        except LockBusy as busy:
            # The same job is running elsewhere, or its dead worker's lock has not lapsed yet (a pool
            # process the OOM killer took): try again just after it would lapse.
            countdown = min(busy.lapses_in_s + 1, settings.job_lock_ttl_s)
            rows.requeued(request.delivery_id, "waiting for the branch's lock")
            raise _defer(self, countdown) from None
        except ConfigurationError:
            log.exception("job %s cannot run: configuration", request.delivery_id)
            _row_done(request, "failed", "the worker's configuration")
            raise
        except (TransientError, requests.RequestException) as exc:
            transient = exc if isinstance(exc, TransientError) else unreachable(exc)
            log.warning("job %s hit a transient error, retrying: %s", request.delivery_id, transient)
            raise _retry(self, request, transient) from exc
        log.info("job %s ended: %s %s", request.delivery_id, outcome.status, outcome.detail)
        job_rows.ended(rows, request, outcome, api_url)
        return {"status": outcome.status, "detail": outcome.detail}

    def _defer(self: Task, countdown: float) -> BaseException:
        """The job again in `countdown` s, as Task.retry queues it (same id, arguments and priority), but not
        counted as a retry: waiting is no failure. Task.retry counted every wait against max_retries (its
        max_retries=None means the task's default, not unlimited), dropping a job after its fifth wait, and
        left a job that had waited no transient retries. Ignore acknowledges the message without a state."""
        self.signature_from_request(self.request, countdown=countdown).apply_async()
        return Ignore()

    def _retry(self: Task, request: RepairRequest, exc: TransientError) -> BaseException:
        if self.request.retries >= MAX_TRANSIENT_RETRIES:
            _row_done(request, "failed", f"gave up after {MAX_TRANSIENT_RETRIES} retries: {exc}")
            ended.mark(self.request.id, "failed")
        else:
            rows.requeued(request.delivery_id, f"to be retried: {exc}"[:300])
        return self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries))

    def _row_done(request: RepairRequest, outcome: str, detail: str) -> None:
        links = request_links(request, api_url)
        rows.done(request.delivery_id, outcome, detail, tokens=0, rounds=0, links=links)

    def _stopped(request: RepairRequest, *, started: bool) -> dict[str, str]:
        try:
            report_stopped(settings, request, started=started)
        except TransientError as exc:
            log.warning("job %s stopped, but the comment saying so failed: %s", request.delivery_id, exc)
        # The job's own `finally` removed its directory; a candidate thread winding down (its test run
        # killed) may have written into it since.
        shutil.rmtree(job_dir_for(settings, request), ignore_errors=True)
        log.info("job %s ended: cancelled (stop requested)", request.delivery_id)
        _row_done(request, CANCELLED, "stopped by request")
        return {"status": CANCELLED, "detail": "stopped by /codellama stop"}


def unreachable(exc: requests.RequestException) -> GitHubUnavailable:
    """What reaches the task from PyGithub when GitHub does not answer: its own retries ran out on 5xx
    (RetryError) or the connection failed. The one client on requests outside a handled path is
    PyGithub's, so it is GitHub that was out of reach; like a 5xx it passes, and the job is retried
    instead of failing with nobody told."""
    first = str(exc).splitlines()[0][:200] if str(exc) else ""
    return GitHubUnavailable(f"GitHub did not answer ({type(exc).__name__}{': ' + first if first else ''})")
