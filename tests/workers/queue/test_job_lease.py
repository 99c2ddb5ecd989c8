"""Job leases on a real Redis: kombu's own sweep requeues a lapsed delivery and leaves a renewed one alone;
and with real worker processes a live job that outlasts the visibility timeout many times runs once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection

from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import wait_until
from tests.github_world import REPO
from tests.scenes import HeldModel, parens_scene
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
    # Every request is held: the job stays live, waiting for the model, until the test lets it go.
    model = HeldModel(PARENS_RIGHT, hold_s=300, hold_every=True)
    with parens_scene(
        tmp_path,
        redis_url,
        queue_name,
        model,
        TGI_TIMEOUT_S="300",
        CELERY_VISIBILITY_TIMEOUT_S=str(timeout_s),
    ) as scene:
        env, gh, port = scene.env, scene.world.gh, scene.port
        index = redis.Redis.from_url(redis_url)
        with (
            processes.serve(env, port, tmp_path / "serve.log"),
            processes.worker(env, tmp_path / "runner.log", name="runner") as runner,
        ):
            scene.deliver_fix_command("lease-live")
            wait_until(lambda: model.prompts, 120, "the job to ask the model")
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
                assert len(model.prompts) == 1 and "Task workers.repair" not in idle.log()
                model.release.set()
                wait_until(lambda: "ended: pull_request" in runner.log(), 180, "the job to end")
            assert "Task workers.repair" not in idle.log(), idle.log()
        assert len(gh.pulls(REPO)) == 1
        assert len(model.prompts) == 1


def _lease_scores(client: redis.Redis) -> list[float]:
    return [score for _, score in client.zrange("unacked_index", 0, -1, withscores=True)]
