"""RepairRequest's one JSON form in Redis: what the receiver and the workers write, and records already
stored by earlier versions, which must still read back the same."""

from __future__ import annotations

import pytest
import redis

from bot.job_memory import RedisJobMemory
from core.jobs import RepairRequest
from workers.queue.repo_memory import RepoMemory

CI = RepairRequest(
    "ci",
    12,
    "octo/repo",
    "d-9",
    requested_by="alice",
    head_branch="main",
    head_sha="abc1234",
    workflow_run_id=41,
    check_suite_id=42,
    pull_numbers=(3, 5),
    head_repo="fork/repo",
)
ISSUE = RepairRequest(
    "issue",
    1,
    "octo/parens",
    "d-1",
    issue_number=7,
    comment_id=2,
    is_pull_request=True,
    instructions='use a "stack" — please',
    requested_by="bob",
    review_id=8,
)
# Written by the versions before RepairRequest.to_json (json.dumps of to_payload, in two places): these
# records are in Redis now, for as long as their expiry.
STORED = {
    CI: (
        '{"kind": "ci", "installation_id": 12, "repo_full_name": "octo/repo", "delivery_id": "d-9", '
        '"issue_number": null, "comment_id": null, "is_pull_request": false, "instructions": "", '
        '"requested_by": "alice", "review_id": null, "unknown_subcommand": "", "head_branch": "main", '
        '"head_sha": "abc1234", "workflow_run_id": 41, "check_suite_id": 42, "pull_numbers": [3, 5], '
        '"head_repo": "fork/repo"}'
    ),
    ISSUE: (
        '{"kind": "issue", "installation_id": 1, "repo_full_name": "octo/parens", "delivery_id": "d-1", '
        '"issue_number": 7, "comment_id": 2, "is_pull_request": true, '
        '"instructions": "use a \\"stack\\" \\u2014 please", "requested_by": "bob", "review_id": 8, '
        '"unknown_subcommand": "", '
        '"head_branch": null, "head_sha": null, "workflow_run_id": null, "check_suite_id": null, '
        '"pull_numbers": [], "head_repo": null}'
    ),
}


@pytest.mark.parametrize("request_", list(STORED))
def test_stored_records_read_back_and_are_written_the_same(request_: RepairRequest) -> None:
    stored = STORED[request_]
    assert RepairRequest.from_json(stored) == request_
    assert RepairRequest.from_json(stored.encode()) == request_  # as redis-py hands it back
    # Byte for byte: a receiver still on the older version reads what a newer worker wrote.
    assert request_.to_json() == stored


@pytest.mark.parametrize(
    "raw",
    ["", "not json", "[]", "3", "null", '[["kind", "ci"]]', '{"kind": "ci"}', '{"kind": "ci", "new": 1}'],
)
def test_anything_else_raises_what_the_readers_catch(raw: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        RepairRequest.from_json(raw)


def test_what_a_worker_remembers_for_a_check_the_receiver_reads(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    RepoMemory(client, CI.repo_full_name).remember_check_job("abc1234", CI, ttl_s=60)
    receiver = RedisJobMemory(client, ttl_s=60)
    assert receiver.for_commit(CI.repo_full_name, "abc1234") == CI
    receiver.remember(ISSUE)
    assert receiver.last(ISSUE.repo_full_name, 7) == ISSUE
