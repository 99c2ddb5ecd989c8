"""The receiver's event-loop publish (bot/celery_wire.py, bot/fast_path.py): the message is the one Celery's
send_task writes, a real Celery worker runs it, and the claims behave as on the blocking path."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from starlette.testclient import TestClient

from bot import redis_conn
from bot.app import create_app
from bot.celery_wire import priority_list
from bot.context import HandlerContext
from bot.dedupe import PUSHED, AsyncDeliveryLedger, DeliveryLedger
from bot.enqueue import CeleryEnqueuer, WireMessages
from bot.fast_path import FastPath
from bot.github_gate import AppGitHubGate
from bot.job_memory import RedisJobMemory
from core.github_app import GitHubApp
from core.job_registry import JobRegistry, html_root
from core.jobs import RepairRequest
from core.settings import Settings
from tests import payloads
from tests.bot import wire_probe
from tests.bugs import PARENS, quixbugs_repo
from tests.conftest import free_port, wait_until
from tests.github_world import INSTALLATION_ID, REPO, SECRET, World, github_world
from tests.processes import child_env
from tests.raw_delivery import queued_jobs
from workers.queue.celery_app import make_celery

ROOT = Path(__file__).resolve().parents[2]
SHA = "c" * 40


def _request(delivery_id: str) -> RepairRequest:
    return RepairRequest(
        kind="ci",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id=delivery_id,
        head_branch="main",
        head_sha=SHA,
        workflow_run_id=7,
        check_suite_id=8,
        pull_numbers=(3,),
    )


def test_the_message_is_the_one_send_task_writes(tmp_path: Path, redis_url: str, queue_name: str) -> None:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        app = make_celery(world.settings(redis_url, queue_name))
    client = redis.Redis.from_url(redis_url)
    request = _request("wire-1")
    CeleryEnqueuer(app).enqueue(request)
    # An automatic CI repair waits behind commands: kombu put it on its priority step's own list.
    wire = WireMessages(app, queue_name)
    assert wire.list_for(request) == f"{queue_name}\x06\x166" and not client.llen(queue_name)
    [written] = [json.loads(m) for m in client.lrange(wire.list_for(request), 0, -1)]
    ours, again = (json.loads(wire.message(request)) for _ in range(2))
    # Each message gets a fresh delivery tag (the worker acknowledges by it); everything else is equal.
    tags = {m["properties"].pop("delivery_tag") for m in (written, ours, again)}
    assert len(tags) == 3
    assert ours == written
    # The headers are Celery's, computed once: a second job's message holds its own id and argsrepr
    # everywhere send_task puts them, and a command's goes on the first list.
    other = RepairRequest(
        kind="issue", installation_id=INSTALLATION_ID, repo_full_name=REPO, delivery_id="wire-2",
        issue_number=5, comment_id=9, requested_by="maintainer", instructions="use a set",
    )  # fmt: skip
    CeleryEnqueuer(app).enqueue(other)
    [written] = [json.loads(m) for m in client.lrange(queue_name, 0, -1)]
    ours = json.loads(wire.message(other))
    for message in (written, ours):
        message["properties"].pop("delivery_tag")
    assert ours == written and ours["headers"]["root_id"] == "wire-2"


def test_a_celery_whose_headers_change_otherwise_gets_each_message_made_whole(
    tmp_path: Path, redis_url: str, queue_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        app = make_celery(world.settings(redis_url, queue_name))
    stamps = iter(range(1_000_000))
    as_task_v2 = app.amqp.as_task_v2

    def stamped(*args: object, **kwargs: object):  # a header that changes from one message to the next
        headers, properties, body, sent_event = as_task_v2(*args, **kwargs)
        return {**headers, "stamp": next(stamps)}, properties, body, sent_event

    monkeypatch.setattr(app.amqp, "as_task_v2", stamped)
    wire = WireMessages(app, queue_name)
    first, second = (json.loads(wire.message(_request(f"wire-{n}")))["headers"] for n in (3, 4))
    assert first["stamp"] != second["stamp"] and (first["id"], second["id"]) == ("wire-3", "wire-4")


def _lean(world: World, redis_url: str, queue: str) -> TestClient:
    """A receiver on the event-loop path, as `serve` builds it."""
    settings = world.settings(redis_url, queue)
    store = redis.Redis.from_url(redis_url)
    celery = make_celery(settings)
    ctx = HandlerContext(
        settings=settings,
        ledger=DeliveryLedger(store, settings.dedupe_ttl_s),
        enqueuer=CeleryEnqueuer(celery),
        github=AppGitHubGate(GitHubApp(settings)),
        memory=RedisJobMemory(store, settings.dedupe_ttl_s),
        jobs=JobRegistry.for_settings(store, settings),
        fast=FastPath(
            AsyncDeliveryLedger(redis_conn.connect_async(redis_url), settings.dedupe_ttl_s),
            WireMessages(celery, queue),
        ),
    )
    return TestClient(create_app(ctx))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        yield world


def test_one_failure_reported_twice_and_redelivered_makes_one_job(
    world: World, redis_url: str, queue_name: str
) -> None:
    run = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=41, branch="main", sha=SHA)
    suite = payloads.check_suite_failed(REPO, INSTALLATION_ID, suite_id=42, branch="main", sha=SHA)
    with _lean(world, redis_url, queue_name) as http:
        first = http.post("/webhook", **_signed("workflow_run", run, "lean-1"))
        redelivered = http.post("/webhook", **_signed("workflow_run", run, "lean-1"))
        other_event = http.post("/webhook", **_signed("check_suite", suite, "lean-2"))
        forged = http.post("/webhook", **_signed("workflow_run", run, "lean-3", secret="not-the-secret"))
        malformed = http.post("/webhook", **_signed("workflow_run", b'{"action": ', "lean-4"))
    assert first.status_code == 202 and "queued: CI repair" in first.json()["reason"], first.text
    assert redelivered.status_code == 200 and "already handled" in redelivered.json()["reason"]
    assert other_event.status_code == 200 and "already attempted" in other_event.json()["reason"]
    assert forged.status_code == 401 and malformed.status_code == 400
    assert queued_jobs(redis.Redis.from_url(redis_url), queue_name) == 1
    # The job's row went with its message: `jobs` and /jobs list it queued, linked to the failing commit.
    row = JobRegistry(redis.Redis.from_url(redis_url), 3600).get("lean-1")
    assert row is not None and (row.state, row.repository, row.kind) == ("queued", REPO, "ci")
    assert row.links == (
        f"{html_root(world.settings(redis_url, queue_name).github_api_url)}/{REPO}/commit/{SHA}/checks",
    )


def test_the_priority_list_is_kombus_step_for_each_priority() -> None:
    assert [priority_list("q", p) for p in (0, 2, 3, 5, 6, 8, 9, 12)] == [
        "q",
        "q",
        "q\x06\x163",
        "q\x06\x163",
        "q\x06\x166",
        "q\x06\x166",
        "q\x06\x169",
        "q\x06\x169",
    ]


def test_a_job_that_could_not_be_queued_leaves_no_claim_and_its_redelivery_is_queued(
    world: World, redis_url: str, queue_name: str
) -> None:
    run = payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=51, branch="main", sha=SHA)
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # a Redis that does not answer
    with _lean(world, nobody, queue_name) as broken:
        response = broken.post("/webhook", **_signed("workflow_run", run, "lean-down"))
        skipped = broken.post("/webhook", **_signed("workflow_run", {**run, "action": "requested"}, "lean-x"))
    assert response.status_code == 503 and "does not answer" in response.json()["reason"], response.text
    assert skipped.status_code == 503, skipped.text  # the claim of a delivery that queues nothing, too
    ledger = DeliveryLedger(redis.Redis.from_url(redis_url), 60)
    assert ledger.ci_attempts(REPO, SHA) == 0
    with _lean(world, redis_url, queue_name) as working:
        again = working.post("/webhook", **_signed("workflow_run", run, "lean-down"))
    assert again.status_code == 202, again.text
    assert ledger.ci_attempts(REPO, SHA) == 1
    assert queued_jobs(redis.Redis.from_url(redis_url), queue_name) == 1


def _signed(event: str, payload: dict | bytes, delivery: str, secret: str = SECRET) -> dict:
    body, headers = payloads.signed(event, payload, secret, delivery)
    return {"content": body, "headers": headers}


def test_a_real_worker_runs_a_job_published_on_the_wire(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    env = child_env({"REDIS_URL": redis_url, "CELERY_QUEUE": queue_name, "PYTHONPATH": str(ROOT)})
    log = tmp_path / "worker.log"
    argv = [sys.executable, "-m", "celery", "-A", "tests.bot.wire_probe", "worker", "--pool=solo"]
    argv += ["--without-gossip", "--without-mingle", "--loglevel=INFO", f"--hostname=wire-{queue_name}@%h"]
    with log.open("wb") as out:
        worker = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until(lambda: " ready." in log.read_text() or worker.poll() is not None, 60, "the worker")
        assert worker.poll() is None, log.read_text()
        request = _request("wire-run")
        app = make_celery(Settings(redis_url=redis_url, celery_queue=queue_name))
        ledger = AsyncDeliveryLedger(redis_conn.connect_async(redis_url), 60)
        message = WireMessages(app, queue_name).message(request)
        pushed = ledger.claim_and_push("wire-run", REPO, SHA, 1, queue_name, message)
        assert asyncio.run(pushed) == PUSHED
        client = redis.Redis.from_url(redis_url)
        ran = wait_until(lambda: client.lrange(wire_probe.RAN_KEY, 0, -1), 60, "the worker to run the job")
        assert [RepairRequest.from_payload(json.loads(r)) for r in ran] == [request], log.read_text()
        wait_until(lambda: "succeeded" in log.read_text(), 30, "the worker to acknowledge the job")
        assert queued_jobs(client, queue_name) == 0  # acknowledged, not left for redelivery
        assert "Traceback" not in log.read_text(), log.read_text()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
