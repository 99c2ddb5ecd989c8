"""What the receiver remembers of the jobs it queued, per issue or pull request: the last one (for retry)
and which one a `/codellama stop` asked to end (for the workers to read)."""

from __future__ import annotations

from typing import Protocol

import redis

from core.job_keys import cancel_key, commit_job_key, last_job_key, stop_key
from core.jobs import RepairRequest


class JobMemory(Protocol):
    """Contract: `last` answers what `remember` stored for the same (repository, number) until it expires;
    `request_stop` marks that last job stopped and returns its delivery id, or None when there is none.
    Raises redis_conn.UNAVAILABLE errors when its store does not answer."""

    def remember(self, request: RepairRequest) -> None: ...

    def last(self, repo_full_name: str, number: int) -> RepairRequest | None: ...

    def request_stop(self, repo_full_name: str, number: int) -> str | None: ...

    def for_commit(self, repo_full_name: str, head_sha: str) -> RepairRequest | None:
        """The job whose Check Run is on this commit (the worker remembers it when it opens the check)."""
        ...


class RedisJobMemory:
    def __init__(self, client: redis.Redis, ttl_s: int) -> None:
        self._redis = client
        self._ttl = ttl_s

    def remember(self, request: RepairRequest) -> None:
        if request.issue_number is None:
            return
        key = last_job_key(request.repo_full_name, request.issue_number)
        self._redis.set(key, request.to_json(), ex=self._ttl)

    def last(self, repo_full_name: str, number: int) -> RepairRequest | None:
        return self._read(last_job_key(repo_full_name, number))

    def for_commit(self, repo_full_name: str, head_sha: str) -> RepairRequest | None:
        return self._read(commit_job_key(repo_full_name, head_sha))

    def _read(self, key: str) -> RepairRequest | None:
        raw = self._redis.get(key)
        if raw is None:
            return None
        try:
            return RepairRequest.from_json(raw)
        except (ValueError, TypeError):
            return None  # written by an older version with other fields: as good as forgotten

    def request_stop(self, repo_full_name: str, number: int) -> str | None:
        last = self.last(repo_full_name, number)
        if last is None:
            return None
        self.stop(repo_full_name, number, last.delivery_id)
        return last.delivery_id

    def stop(self, repo_full_name: str, number: int, delivery_id: str) -> None:
        """Record that this job of this issue or pull request is to end (workers/queue/stop_watch.py reads
        it)."""
        self._redis.set(stop_key(repo_full_name, number), delivery_id, ex=self._ttl)

    def cancel(self, job_id: str) -> None:
        """Record that this one job is to end, whatever asked for it: `codellama-bot cancel JOB`."""
        self._redis.set(cancel_key(job_id), 1, ex=self._ttl)
