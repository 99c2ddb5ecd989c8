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


def _slot(client: redis.Redis, job: str, priority: int, limit: int = 1) -> RepoSlot:
    return RepoSlot(client, "o/r", limit, ttl_s=30, job=job, priority=priority, place_ttl_s=30)


def _claims(slot: RepoSlot) -> bool:
    try:
        slot.__enter__()
    except RepoBusy:
        return False
    slot.__exit__(None, None, None)
    return True


def test_a_freed_slot_goes_to_the_waiting_command_before_a_ci_repair_that_comes_first(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with RepoSlot(client, "o/r", 1, ttl_s=30):
        assert not _claims(_slot(client, "ci-early", AUTOMATIC_PRIORITY))  # waits first, but ranks lower
        assert not _claims(_slot(client, "command", COMMAND_PRIORITY))
        assert not _claims(_slot(client, "ci-late", AUTOMATIC_PRIORITY))
    # The slot is free, but the CI repairs that ask first are behind the command: it keeps its place.
    with pytest.raises(RepoBusy, match="1 waiting job") as behind:
        _slot(client, "ci-early", AUTOMATIC_PRIORITY).__enter__()
    assert behind.value.lapses_in_s == 0
    assert not _claims(_slot(client, "ci-late", AUTOMATIC_PRIORITY))
    assert not _claims(_slot(client, "never-waited", AUTOMATIC_PRIORITY))
    assert _claims(_slot(client, "command", COMMAND_PRIORITY))
    # Among equals, the one that waited longer; a job that never waited comes after both.
    assert not _claims(_slot(client, "ci-late", AUTOMATIC_PRIORITY))
    assert not _claims(_slot(client, "never-waited", AUTOMATIC_PRIORITY))
    assert _claims(_slot(client, "ci-early", AUTOMATIC_PRIORITY))
    assert _claims(_slot(client, "ci-late", AUTOMATIC_PRIORITY))


def test_free_slots_beyond_those_waited_for_are_taken_at_once(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with RepoSlot(client, "o/r", 2, ttl_s=30), RepoSlot(client, "o/r", 2, ttl_s=30):
        assert not _claims(_slot(client, "command", COMMAND_PRIORITY, limit=2))
    # Two slots free, one job waits ahead: one slot is left for it, the other is taken.
    slot = _slot(client, "ci", AUTOMATIC_PRIORITY, limit=2)
    with slot:
        assert not _claims(_slot(client, "ci-2", AUTOMATIC_PRIORITY, limit=2))
        assert _claims(_slot(client, "command", COMMAND_PRIORITY, limit=2))


def test_a_place_lapses_when_its_job_stops_coming_back(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with RepoSlot(client, "o/r", 1, ttl_s=30):
        gone = RepoSlot(client, "o/r", 1, ttl_s=30, job="gone", priority=COMMAND_PRIORITY, place_ttl_s=0.3)
        assert not _claims(gone)
    assert not _claims(_slot(client, "ci", AUTOMATIC_PRIORITY))
    wait_until(lambda: _claims(_slot(client, "ci", AUTOMATIC_PRIORITY)), 5, "the stale place to lapse")


def test_equals_turned_away_within_one_millisecond_keep_their_order(redis_url: str) -> None:
    # Back to back, two jobs usually wait in the same millisecond: an order by time would tie them.
    client = redis.Redis.from_url(redis_url)
    for attempt in range(20):
        first, second = f"first-{attempt}", f"second-{attempt}"
        with RepoSlot(client, "o/r", 1, ttl_s=30):
            assert not _claims(_slot(client, first, AUTOMATIC_PRIORITY))
            assert not _claims(_slot(client, second, AUTOMATIC_PRIORITY))
        assert not _claims(_slot(client, second, AUTOMATIC_PRIORITY)), f"attempt {attempt}"
        assert _claims(_slot(client, first, AUTOMATIC_PRIORITY))
        assert _claims(_slot(client, second, AUTOMATIC_PRIORITY))
