"""Redis going away under a running receiver (`codellama-bot serve`, a real process): deliveries get a JSON
503 that says so, /readyz says why it is not ready, /healthz stays up, and once Redis is back the
redelivery is queued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import payloads, processes
from tests.bugs import PARENS, quixbugs_repo
from tests.conftest import free_port
from tests.github_world import INSTALLATION_ID, REPO, SECRET, World, github_world
from tests.own_redis import OwnRedis
from tests.raw_delivery import queued_jobs


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        yield world


def _deliver(port: int, payload: dict, delivery: str) -> requests.Response:  # type: ignore[type-arg]
    body, headers = payloads.signed("workflow_run", payload, SECRET, delivery)
    return requests.post(f"http://127.0.0.1:{port}/webhook", data=body, headers=headers, timeout=30)


def test_redis_outage_is_a_json_503_and_readyz_says_why(
    tmp_path: Path, own_redis: OwnRedis, world: World, queue_name: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    run = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=7, branch="main", sha=world.base_sha)
    with processes.serve(world.env(own_redis.url, queue_name), port, tmp_path / "serve.log") as server:
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")

        own_redis.stop()
        response = _deliver(port, run, "during-outage")
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/json"
        reason = response.json()["reason"]
        assert f"Redis at redis://127.0.0.1:{own_redis.port}/0 (REDIS_URL) does not answer" in reason
        assert "redelivered" in reason
        ready = requests.get(f"{base}/readyz", timeout=10)
        assert ready.status_code == 503 and "REDIS_URL" in ready.json()["reason"], ready.text
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200  # liveness: still up

        own_redis.start()
        assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
        # GitHub's redelivery keeps the id: nothing was claimed during the outage, so it is queued now.
        again = _deliver(port, run, "during-outage")
        assert again.status_code == 202, again.text
        assert "Traceback" not in server.log(), server.log()[-3000:]
    import redis

    assert queued_jobs(redis.Redis.from_url(own_redis.url), queue_name) == 1


def test_github_not_answering_the_permission_check_is_a_json_503_and_queues_nothing(
    tmp_path: Path, world: World, redis_url: str, queue_name: str
) -> None:
    import redis

    comment = payloads.issue_comment(
        REPO, INSTALLATION_ID, number=3, comment_id=41, body="/codellama fix", association="COLLABORATOR"
    )
    body, headers = payloads.signed("issue_comment", comment, SECRET, "github-down")
    # Nothing listens on this port: the receiver's live permission check cannot reach GitHub.
    dead_github = world.env(redis_url, queue_name, GITHUB_API_URL=f"http://127.0.0.1:{free_port()}")
    port = free_port()
    with processes.serve(dead_github, port, tmp_path / "down.log") as server:
        response = requests.post(f"http://127.0.0.1:{port}/webhook", data=body, headers=headers, timeout=120)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/json"
        assert "GitHub did not answer" in response.json()["reason"]
        assert "Traceback" not in server.log(), server.log()[-3000:]
    assert queued_jobs(redis.Redis.from_url(redis_url), queue_name) == 0
    # The claim on the delivery was released: GitHub's redelivery is handled once GitHub answers.
    port = free_port()
    with processes.serve(world.env(redis_url, queue_name), port, tmp_path / "up.log"):
        again = requests.post(f"http://127.0.0.1:{port}/webhook", data=body, headers=headers, timeout=60)
        assert again.status_code == 202, again.text
    assert queued_jobs(redis.Redis.from_url(redis_url), queue_name) == 1
