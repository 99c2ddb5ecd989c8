"""CI attempts are counted atomically and only for jobs that reached the queue (real Redis, real Celery
publishing)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
from core.github_app import GitHubApp
from tests import payloads
from tests.bugs import PARENS, quixbugs_repo
from tests.conftest import free_port
from tests.github_world import INSTALLATION_ID, REPO, SECRET, World, github_world
from tests.raw_delivery import queued_jobs
from workers.queue.celery_app import make_celery

SHA = "c" * 40


def test_concurrent_claims_never_exceed_the_cap_and_always_expire(redis_url: str) -> None:
    ledgers = [DeliveryLedger(redis.Redis.from_url(redis_url), ttl_s=300) for _ in range(16)]
    barrier = threading.Barrier(len(ledgers))
    won: list[bool] = []

    def claim(ledger: DeliveryLedger) -> None:
        barrier.wait()
        for _ in range(5):
            won.append(ledger.claim_ci_attempt(REPO, SHA, cap=3))

    threads = [threading.Thread(target=claim, args=(ledger,)) for ledger in ledgers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(won) == 3 and len(won) == 80
    client = redis.Redis.from_url(redis_url)
    [key] = client.keys("codellama:ci-attempts:*")
    assert 0 < client.ttl(key) <= 300  # never a counter without an expiry
    ledgers[0].release_ci_attempt(REPO, SHA)
    assert ledgers[0].ci_attempts(REPO, SHA) == 2 and 0 < client.ttl(key) <= 300
    assert ledgers[0].claim_ci_attempt(REPO, SHA, cap=3)
    assert not ledgers[0].claim_ci_attempt(REPO, SHA, cap=3)
    for _ in range(3):
        ledgers[0].release_ci_attempt(REPO, SHA)
    assert client.keys("codellama:ci-attempts:*") == []
    ledgers[0].release_ci_attempt(REPO, SHA)  # releasing what is not held leaves nothing behind
    assert ledgers[0].ci_attempts(REPO, SHA) == 0 and client.keys("codellama:ci-attempts:*") == []


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        yield world


def _client(world: World, redis_url: str, queue: str, broker_url: str) -> TestClient:
    """A receiver whose ledger is on `redis_url` and whose Celery publishes to `broker_url`."""
    settings = world.settings(redis_url, queue)
    ctx = HandlerContext(
        settings=settings,
        ledger=DeliveryLedger(redis.Redis.from_url(redis_url), settings.dedupe_ttl_s),
        enqueuer=CeleryEnqueuer(make_celery(world.settings(broker_url, queue))),
        github=AppGitHubGate(GitHubApp(settings)),
        memory=RedisJobMemory(redis.Redis.from_url(redis_url), settings.dedupe_ttl_s),
    )
    return TestClient(create_app(ctx))


def test_a_job_that_could_not_be_queued_leaves_no_attempt_and_its_redelivery_is_queued(
    world: World, redis_url: str, queue_name: str
) -> None:
    run = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=31, branch="main", sha=SHA)
    body, headers = payloads.signed("workflow_run", run, SECRET, "ci-delivery")
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # a broker that does not answer
    with _client(world, redis_url, queue_name, broker_url=nobody) as broken:
        response = broken.post("/webhook", content=body, headers=headers)
    assert response.status_code == 503 and "does not answer" in response.json()["reason"], response.text
    ledger = DeliveryLedger(redis.Redis.from_url(redis_url), 60)
    assert ledger.ci_attempts(REPO, SHA) == 0
    assert ledger.claim_delivery("ci-delivery"), "the failed delivery's claim was kept"
    ledger.release_delivery("ci-delivery")

    with _client(world, redis_url, queue_name, broker_url=redis_url) as working:
        again = working.post("/webhook", content=body, headers=headers)
        assert again.status_code == 202, again.text
        suite = payloads.check_suite_failed(REPO, INSTALLATION_ID, suite_id=32, branch="main", sha=SHA)
        body2, headers2 = payloads.signed("check_suite", suite, SECRET, "ci-delivery-2")
        second = working.post("/webhook", content=body2, headers=headers2)
        assert second.status_code == 200 and "already attempted" in second.json()["reason"]
    assert ledger.ci_attempts(REPO, SHA) == 1
    assert queued_jobs(redis.Redis.from_url(redis_url), queue_name) == 1
