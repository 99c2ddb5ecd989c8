"""What the bot remembers about a repository across jobs, in Redis: failures it already gave up on, what it
spent today, and how many automatic repairs in a row gave up. The cost guards (workers/github/cost_guards.py)
decide with it; this module only stores and counts.
"""

from __future__ import annotations

import datetime as dt

import redis

from core.job_keys import commit_job_key
from core.jobs import RepairRequest

# A failure given up on is remembered this long: long enough to span a busy month of commits.
FINGERPRINT_TTL_S = 30 * 24 * 3600
# Daily counters outlive their day by one, so a job that ends just past midnight still finds its key.
DAY_TTL_S = 2 * 24 * 3600


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


class RepoMemory:
    def __init__(self, client: redis.Redis, repo_full_name: str) -> None:
        self._redis = client
        self._repo = repo_full_name

    def close(self) -> None:
        self._redis.close()

    def _key(self, kind: str, *rest: str) -> str:
        return ":".join(("codellama", kind, self._repo, *rest))

    # --- failures given up on ---

    def earlier_attempt(self, fingerprint: str) -> str | None:
        """What the bot said when it gave up on this failure before, or None."""
        found = self._redis.get(self._key("gave-up", fingerprint))
        if found is None:
            return None
        return found.decode("utf-8", "replace") if isinstance(found, bytes) else str(found)

    def remember_give_up(self, fingerprint: str, description: str) -> None:
        self._redis.set(self._key("gave-up", fingerprint), description, ex=FINGERPRINT_TTL_S)

    # --- today's spend (UTC days) ---

    def jobs_today(self) -> int:
        return int(self._redis.get(self._key("jobs", _today())) or 0)

    def tokens_today(self) -> int:
        return int(self._redis.get(self._key("tokens", _today())) or 0)

    def count_job(self) -> None:
        key = self._key("jobs", _today())
        with self._redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, DAY_TTL_S)
            pipe.execute()

    def add_tokens(self, tokens: int) -> None:
        if tokens > 0:
            key = self._key("tokens", _today())
            with self._redis.pipeline() as pipe:
                pipe.incrby(key, tokens)
                pipe.expire(key, DAY_TTL_S)
                pipe.execute()

    # --- the job each Check Run belongs to, for a re-run ---

    def remember_check_job(self, head_sha: str, request: RepairRequest, ttl_s: int) -> None:
        self._redis.set(commit_job_key(self._repo, head_sha), request.to_json(), ex=ttl_s)

    # --- consecutive automatic give-ups (the circuit breaker) ---

    def automatic_give_ups(self) -> int:
        return int(self._redis.get(self._key("auto-give-ups")) or 0)

    def count_automatic_give_up(self) -> int:
        """The count after this one."""
        return int(self._redis.incr(self._key("auto-give-ups")))

    def reset_give_ups(self) -> None:
        self._redis.delete(self._key("auto-give-ups"))
