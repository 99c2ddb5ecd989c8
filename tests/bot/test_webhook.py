"""The webhook receiver on a real Redis and a real Celery queue, asking the GitHub stand-in live."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from starlette.testclient import TestClient

from bot.app import create_app
from bot.context import HandlerContext
from bot.dedupe import DeliveryLedger
from bot.enqueue import CeleryEnqueuer
from bot.github_gate import AppGitHubGate
from bot.job_memory import RedisJobMemory
from bot.queue_depth import queue_keys
from core.errors import ConfigurationError
from core.github_app import GitHubApp
from core.jobs import RepairRequest
from tests import payloads
from tests.bugs import PARENS, quixbugs_repo
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, SECRET, World, github_world
from workers.queue.celery_app import make_celery


@dataclass
class Receiver:
    client: TestClient
    world: World
    redis: redis.Redis
    queue: str

    def post(self, event: str, payload: dict | bytes, delivery: str | None = None, secret: str = SECRET):  # type: ignore[no-untyped-def,type-arg]
        body, headers = payloads.signed(event, payload, secret, delivery)
        return self.client.post("/webhook", content=body, headers=headers)

    def queued(self) -> list[RepairRequest]:
        """Every job waiting, whatever its priority (kombu keeps one Redis list per priority step)."""
        raw = [m for key in queue_keys(self.queue) for m in self.redis.lrange(key, 0, -1)]
        bodies = [json.loads(base64.b64decode(json.loads(m)["body"])) for m in raw]
        return [RepairRequest.from_payload(body[0][0]) for body in bodies]

    def comment(self, body: str, user: str = MAINTAINER) -> dict:  # type: ignore[type-arg]
        number = self.world.gh.add_issue(REPO, "Unbalanced parentheses pass", "`((` is accepted", user=user)
        comment = self.world.gh.add_issue_comment(REPO, number, body, user=user)
        return {"number": number, "id": comment["id"]}


@pytest.fixture
def receiver(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[Receiver]:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        settings = world.settings(redis_url, queue_name)
        client = redis.Redis.from_url(redis_url)
        ctx = HandlerContext(
            settings=settings,
            ledger=DeliveryLedger(client, settings.dedupe_ttl_s),
            enqueuer=CeleryEnqueuer(make_celery(settings)),
            github=AppGitHubGate(GitHubApp(settings)),
            memory=RedisJobMemory(client, settings.dedupe_ttl_s),
        )
        with TestClient(create_app(ctx)) as http:
            yield Receiver(http, world, client, queue_name)


def test_maintainer_command_is_queued_and_acknowledged(receiver: Receiver) -> None:
    c = receiver.comment("/codellama fix\nlook at the final depth")
    payload = payloads.issue_comment(
        REPO,
        INSTALLATION_ID,
        number=c["number"],
        comment_id=c["id"],
        body="/codellama fix\nlook at the final depth",
        login=MAINTAINER,
    )
    response = receiver.post("issue_comment", payload, delivery="d-1")
    assert response.status_code == 202, response.text
    [job] = receiver.queued()
    assert (job.kind, job.issue_number, job.comment_id, job.instructions) == (
        "issue",
        c["number"],
        c["id"],
        "look at the final depth",
    )
    assert job.installation_id == INSTALLATION_ID and job.delivery_id == "d-1"
    assert "token" not in str(job.to_payload()).lower()
    assert [r["content"] for r in receiver.world.gh.reactions(c["id"])] == ["eyes"]


def test_replayed_delivery_queues_nothing_new(receiver: Receiver) -> None:
    c = receiver.comment("/codellama fix")
    payload = payloads.issue_comment(
        REPO, INSTALLATION_ID, number=c["number"], comment_id=c["id"], body="/codellama fix", login=MAINTAINER
    )
    assert receiver.post("issue_comment", payload, delivery="same").status_code == 202
    again = receiver.post("issue_comment", payload, delivery="same")
    assert again.status_code == 200 and "already handled" in again.json()["reason"]
    assert len(receiver.queued()) == 1


@pytest.mark.parametrize("header", ["sha256=" + "0" * 64, None])
def test_forged_or_missing_signature_is_401_and_queues_nothing(
    receiver: Receiver, header: str | None
) -> None:
    c = receiver.comment("/codellama fix")
    payload = payloads.issue_comment(
        REPO, INSTALLATION_ID, number=c["number"], comment_id=c["id"], body="/codellama fix", login=MAINTAINER
    )
    body, headers = payloads.signed("issue_comment", payload, SECRET)
    if header is None:
        del headers["X-Hub-Signature-256"]
    else:
        headers["X-Hub-Signature-256"] = header
    assert receiver.client.post("/webhook", content=body, headers=headers).status_code == 401
    # Signed with another secret: just as forged.
    assert receiver.post("issue_comment", payload, secret="not-the-secret").status_code == 401
    assert receiver.queued() == []
    assert receiver.world.gh.reactions(c["id"]) == []


def test_user_without_write_permission_queues_nothing(receiver: Receiver) -> None:
    receiver.world.gh.set_permission(REPO, "mallory", "read")
    c = receiver.comment("/codellama fix", user="mallory")
    payload = payloads.issue_comment(
        REPO,
        INSTALLATION_ID,
        number=c["number"],
        comment_id=c["id"],
        body="/codellama fix",
        login="mallory",
        association="COLLABORATOR",
    )
    response = receiver.post("issue_comment", payload)
    assert response.status_code == 200 and "lacks write permission" in response.json()["reason"]
    assert receiver.queued() == []
    # The decision came from GitHub, live, not from the payload's author_association.
    assert ("GET", f"/repos/{REPO}/collaborators/mallory/permission", 200) in receiver.world.gh.requests


def test_the_bots_own_comment_queues_nothing(receiver: Receiver) -> None:
    c = receiver.comment("/codellama fix")
    payload = payloads.issue_comment(
        REPO,
        INSTALLATION_ID,
        number=c["number"],
        comment_id=c["id"],
        body="/codellama fix",
        login="codellama-bot[bot]",
        user_type="Bot",
        association="NONE",
    )
    response = receiver.post("issue_comment", payload)
    assert response.status_code == 200 and "bot" in response.json()["reason"]
    assert receiver.queued() == []


def test_ordinary_comment_and_unknown_events_are_ignored(receiver: Receiver) -> None:
    c = receiver.comment("LGTM")
    payload = payloads.issue_comment(
        REPO, INSTALLATION_ID, number=c["number"], comment_id=c["id"], body="LGTM", login=MAINTAINER
    )
    assert receiver.post("issue_comment", payload).status_code == 200
    ping = (payloads.WEBHOOK_EXAMPLES / "ping" / "payload.json").read_bytes()
    assert receiver.post("ping", ping).status_code == 200
    push = (payloads.WEBHOOK_EXAMPLES / "push" / "payload.json").read_bytes()
    assert receiver.post("push", push).status_code == 200
    assert receiver.queued() == []


def test_malformed_deliveries_are_400(receiver: Receiver) -> None:
    assert receiver.post("issue_comment", b"{not json").status_code == 400
    assert receiver.post("issue_comment", b"[1, 2]").status_code == 400
    body, headers = payloads.signed("issue_comment", {"action": "created"}, SECRET)
    del headers["X-GitHub-Event"]
    assert receiver.client.post("/webhook", content=body, headers=headers).status_code == 400
    # Signed and JSON, but not what an issue_comment carries.
    assert (
        receiver.post(
            "issue_comment", {"action": "created", "comment": {"body": "/codellama fix"}}
        ).status_code
        == 400
    )
    assert receiver.queued() == []


def test_one_ci_failure_reported_twice_makes_one_job(receiver: Receiver) -> None:
    sha = receiver.world.base_sha
    run = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=991, branch="main", sha=sha)
    suite = payloads.check_suite_failed(REPO, INSTALLATION_ID, suite_id=992, branch="main", sha=sha)
    assert receiver.post("workflow_run", run).status_code == 202
    response = receiver.post("check_suite", suite)
    assert response.status_code == 200 and "already attempted" in response.json()["reason"]
    [job] = receiver.queued()
    assert (job.kind, job.head_sha, job.head_branch, job.workflow_run_id) == ("ci", sha, "main", 991)


def test_ci_failures_on_the_bots_own_branches_are_ignored(receiver: Receiver) -> None:
    run = payloads.workflow_run_failed(
        REPO, INSTALLATION_ID, run_id=5, branch="codellama/fix-issue-3", sha="a" * 40
    )
    response = receiver.post("workflow_run", run)
    assert response.status_code == 200 and "bot's own" in response.json()["reason"]
    green = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=6, branch="main", sha="b" * 40)
    green["workflow_run"]["conclusion"] = "success"
    assert receiver.post("workflow_run", green).status_code == 200
    assert receiver.queued() == []


def test_github_failing_the_permission_check_is_503_and_the_redelivery_is_handled(receiver: Receiver) -> None:
    c = receiver.comment("/codellama fix")
    payload = payloads.issue_comment(
        REPO, INSTALLATION_ID, number=c["number"], comment_id=c["id"], body="/codellama fix", login=MAINTAINER
    )
    receiver.world.gh.fail_next("GET", r"/collaborators/", 502, times=20)
    refused = receiver.post("issue_comment", payload, delivery="flaky")
    assert refused.status_code == 503 and "GitHub did not answer" in refused.json()["reason"], refused.text
    assert receiver.queued() == []
    # GitHub redelivers with the same id once it is back; the receiver survived and handles it.
    receiver.world.gh.fail_next("GET", r"/collaborators/", 502, times=0)
    assert receiver.post("issue_comment", payload, delivery="flaky").status_code == 202
    assert len(receiver.queued()) == 1


def test_the_receiver_refuses_to_start_without_a_secret(
    receiver: Receiver, redis_url: str, queue_name: str
) -> None:
    settings = receiver.world.settings(redis_url, queue_name, github_webhook_secret=None)
    ctx = HandlerContext(
        settings,
        DeliveryLedger(receiver.redis, 60),
        CeleryEnqueuer(make_celery(settings)),
        AppGitHubGate(GitHubApp(settings)),
        RedisJobMemory(receiver.redis, 60),
    )
    with pytest.raises(ConfigurationError, match="GITHUB_WEBHOOK_SECRET"):
        create_app(ctx)
