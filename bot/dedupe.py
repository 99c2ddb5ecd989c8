"""Redis-backed memory of deliveries and CI attempts, so that nothing is queued twice."""

from __future__ import annotations

import redis


class DeliveryLedger:
    """Remembers which deliveries were handled and which commits were already attempted."""

    def __init__(self, client: redis.Redis, ttl_s: int) -> None:
        self._redis = client
        self._ttl = ttl_s

    def claim_delivery(self, delivery_id: str) -> bool:
        """True the first time a delivery id is seen. GitHub redelivers with the same id."""
        return bool(self._redis.set(f"codellama:delivery:{delivery_id}", 1, nx=True, ex=self._ttl))

    def release_delivery(self, delivery_id: str) -> None:
        """Forget a delivery whose handling failed, so that GitHub's redelivery is not ignored."""
        self._redis.delete(f"codellama:delivery:{delivery_id}")

    def claim_ci_attempt(self, repo_full_name: str, head_sha: str, cap: int) -> bool:
        """True while this commit has had fewer than `cap` repair attempts.

        workflow_run and check_suite both report one Actions failure; both land here, one wins.
        """
        key = f"codellama:ci-attempts:{repo_full_name}:{head_sha}"
        count = self._redis.incr(key)
        if count == 1:
            self._redis.expire(key, self._ttl)
        return int(count) <= cap
