"""Job leases on a real Redis: kombu's own sweep requeues a lapsed delivery and leaves a renewed one alone;
and with real worker processes a live job that outlasts the visibility timeout many times runs once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection

from tests import payloads, processes
from tests.bugs import PARENS, PARENS_RIGHT, quixbugs_repo
from tests.conftest import free_port, wait_until
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO, SECRET, github_world
from tests.stand_ins.tgi_server import TGIStandIn
from workers.queue.job_lease import renew

VISIBILITY_S = 30


@pytest.fixture
def held(redis_url: str, queue_name: str) -> Iterator[tuple[Connection, str]]:
    """A message delivered and not acknowledged, as a worker holds a running job."""
    with Connection(redis_url, transport_options={"visibility_timeout": VISIBILITY_S}) as conn:
        queue = conn.SimpleQueue(queue_name)
        queue.put({"job": 1})
        message = queue.get(timeout=5)
        yield conn, str(message.delivery_tag)
        queue.close()


def _index(conn: Connection) -> tuple[redis.Redis, str]:
    channel = conn.default_channel
    return channel.client, channel.unacked_index_key


def _sweep_and_count_requeued(conn: Connection, queue_name: str) -> int:
    conn.default_channel.qos.restore_visible(num=None, interval=1)
    return int(redis.Redis.from_url(conn.as_uri(include_password=True)).llen(queue_name))


def test_a_lapsed_lease_is_requeued_by_kombus_sweep(held: tuple[Connection, str], queue_name: str) -> None:
    conn, tag = held
    client, key = _index(conn)
    assert _sweep_and_count_requeued(conn, queue_name) == 0  # just delivered: its lease is fresh
    client.zadd(key, {tag: time.time() - VISIBILITY_S - 1})  # its worker died a timeout ago
    assert _sweep_and_count_requeued(conn, queue_name) == 1


def test_a_renewed_lease_is_not_requeued(held: tuple[Connection, str], queue_name: str) -> None:
    conn, tag = held
    client, key = _index(conn)
    client.zadd(key, {tag: time.time() - VISIBILITY_S - 1})  # delivered long ago...
    assert renew(client, key, [tag]) == 1  # ...but its worker is alive and renews
    assert _sweep_and_count_requeued(conn, queue_name) == 0
    assert client.zscore(key, tag) == pytest.approx(time.time(), abs=5)


def test_renewing_never_brings_back_an_acknowledged_delivery(held: tuple[Connection, str]) -> None:
    conn, tag = held
    client, key = _index(conn)
    client.zrem(key, tag)  # acknowledged (or requeued) meanwhile
    assert renew(client, key, [tag]) == 0
    assert client.zscore(key, tag) is None
    assert renew(client, key, []) == 0


@pytest.mark.slow
@pytest.mark.e2e
def test_a_live_job_outlasting_the_timeout_many_times_runs_once(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    timeout_s = 6  # renewed every second, swept every second: the lease is put to the test often
    release = threading.Event()
    prompts: list[str] = []

    def model(prompt: str, parameters: dict) -> str:  # type: ignore[type-arg]
        prompts.append(prompt)
        release.wait(timeout=300)
        return PARENS_RIGHT

    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world, TGIStandIn(model) as tgi:
        env = world.env(
            redis_url,
            queue_name,
            TGI_URL=tgi.url,
            BOT_WORKDIR=str(tmp_path / "work"),
            CANDIDATES="1",
            BOT_MAX_ITERATIONS="2",
            TGI_RETRIES="0",
            TGI_TIMEOUT_S="300",
            CELERY_VISIBILITY_TIMEOUT_S=str(timeout_s),
        )
        gh, port = world.gh, free_port()
        number = gh.add_issue(REPO, "`((` counts as balanced", "")
        comment = gh.add_issue_comment(REPO, number, "/codellama fix", user=MAINTAINER)
        payload = payloads.issue_comment(
            REPO,
            INSTALLATION_ID,
            number=number,
            comment_id=comment["id"],
            body="/codellama fix",
            login=MAINTAINER,
        )
        body, headers = payloads.signed("issue_comment", payload, SECRET, "lease-live")
        index = redis.Redis.from_url(redis_url)
        try:
            with (
                processes.serve(env, port, tmp_path / "serve.log"),
                processes.worker(env, tmp_path / "runner.log", name="runner") as runner,
            ):
                import requests

                reply = requests.post(
                    f"http://127.0.0.1:{port}/webhook", data=body, headers=headers, timeout=10
                )
                assert reply.status_code == 202
                wait_until(lambda: prompts, 120, "the job to ask the model")
                with processes.worker(env, tmp_path / "idle.log", name="idle") as idle:
                    first = _lease_scores(index)
                    assert len(first) == 1, first
                    # Hold the job until its lease has been renewed past three whole timeouts, with a
                    # second worker sweeping every second all along.
                    wait_until(
                        lambda: (s := _lease_scores(index)) and min(s) > first[0] + 3 * timeout_s,
                        120,
                        "the lease to be renewed past three timeouts",
                        interval_s=0.5,
                    )
                    assert len(prompts) == 1 and "Task workers.repair" not in idle.log()
                    release.set()
                    wait_until(lambda: "ended: pull_request" in runner.log(), 180, "the job to end")
                assert "Task workers.repair" not in idle.log(), idle.log()
        finally:
            release.set()
        assert len(gh.pulls(REPO)) == 1
        assert len(prompts) == 1


def _lease_scores(client: redis.Redis) -> list[float]:
    return [score for _, score in client.zrange("unacked_index", 0, -1, withscores=True)]
