"""Which jobs have ended, by job id: a copy of a job's message that comes after the job ended does nothing.

A job's message can be delivered twice: its lease lapsed under a live worker (Redis out for longer than the
renewals allow), or it was redelivered while another copy ran and was deferred behind the branch lock. The
branch lock keeps the copies from running at once; this record keeps the later one from running the whole
job again once the first has ended. Only an ended job is recorded, so a retry (same id, after a transient
error), a deferral, a hand-back and a dead worker's job still run. `/codellama retry` and a Check Run's
re-run queue a new delivery, with a new id.
"""

from __future__ import annotations

import logging

import redis

log = logging.getLogger("codellama.ended")


def ended_key(job_id: str) -> str:
    return f"codellama:job-ended:{job_id}"


class EndedJobs:
    """Records kept `ttl_s` (as long as the receiver remembers a delivery, so GitHub's redelivery of it and
    a stale copy of its message are both turned away for the same time)."""

    def __init__(self, client: redis.Redis, ttl_s: float) -> None:
        self._redis = client
        self._ttl_s = max(1, int(ttl_s))

    def mark(self, job_id: str, outcome: str) -> None:
        """Never raises: the job has ended either way; without the record a stale copy may run it again."""
        try:
            self._redis.set(ended_key(job_id), outcome, ex=self._ttl_s)
        except redis.RedisError as exc:
            log.warning("job %s: could not record that it ended: %s", job_id, exc)

    def outcome(self, job_id: str) -> str | None:
        """How the job ended, or None when it has not, the record is gone or Redis cannot be read: a job
        is better run twice than dropped."""
        try:
            value = self._redis.get(ended_key(job_id))
        except redis.RedisError as exc:
            log.warning("job %s: could not read whether it ended, so it runs: %s", job_id, exc)
            return None
        if value is None:
            return None
        return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
