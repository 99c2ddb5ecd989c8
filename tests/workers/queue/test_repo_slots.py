"""REPO_CONCURRENCY's claims in a real Redis, and which jobs count as a person waiting."""

from __future__ import annotations

import pytest
import redis

from core.jobs import AUTOMATIC_PRIORITY, COMMAND_PRIORITY, RepairRequest
from tests.conftest import wait_until
from workers.queue.repo_slots import RepoBusy, RepoSlot


def test_a_repository_holds_at_most_its_limit_and_a_freed_slot_is_taken_again(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with RepoSlot(client, "o/r", 2, ttl_s=30), RepoSlot(client, "o/r", 2, ttl_s=30):
        with pytest.raises(RepoBusy, match="o/r already runs 2 job") as busy:
            RepoSlot(client, "o/r", 2, ttl_s=30).__enter__()
        assert 29 < busy.value.lapses_in_s <= 30
        with RepoSlot(client, "o/other", 2, ttl_s=30):  # another repository is not affected
            pass
    with RepoSlot(client, "o/r", 1, ttl_s=30):
        pass


def test_priorities() -> None:
    base = RepairRequest(kind="ci", installation_id=1, repo_full_name="o/r", delivery_id="d")
    assert base.priority() == AUTOMATIC_PRIORITY
    assert RepairRequest(**{**base.to_payload(), "requested_by": "alice"}).priority() == COMMAND_PRIORITY
    for kind in ("issue", "help"):
        assert RepairRequest(**{**base.to_payload(), "kind": kind}).priority() == COMMAND_PRIORITY
    assert COMMAND_PRIORITY < AUTOMATIC_PRIORITY  # kombu's Redis transport pops the lower number first


def test_a_claim_lapses_when_its_heartbeat_stops(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    held = RepoSlot(client, "o/r", 1, ttl_s=0.5)
    held.__enter__()
    held._heartbeat.stop()  # the heartbeat stops, as it does when its worker dies; the claim is not removed
    wait_until(lambda: _claimable(client), 5, "the claim to lapse")


def _claimable(client: redis.Redis) -> bool:
    try:
        with RepoSlot(client, "o/r", 1, ttl_s=30):
            return True
    except RepoBusy:
        return False
