"""What the webhook boundary says to each kind of malformed delivery (the corpus in test_webhook_corpus.py
checks status classes over HTTP; these check the reasons), on a real Redis and Celery queue."""

from __future__ import annotations

import json
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
from tests.github_world import INSTALLATION_ID, REPO, SECRET, github_world
from tests.raw_delivery import queued_jobs
from workers.queue.celery_app import make_celery

LIMIT = 64 * 1024


@pytest.fixture
def client(tmp_path: Path, redis_url: str, queue_name: str) -> Iterator[TestClient]:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        settings = world.settings(redis_url, queue_name, webhook_max_body_bytes=LIMIT)
        store = redis.Redis.from_url(redis_url)
        ctx = HandlerContext(
            settings=settings,
            ledger=DeliveryLedger(store, settings.dedupe_ttl_s),
            enqueuer=CeleryEnqueuer(make_celery(settings)),
            github=AppGitHubGate(GitHubApp(settings)),
            memory=RedisJobMemory(store, settings.dedupe_ttl_s),
        )
        with TestClient(create_app(ctx)) as http:
            yield http
        # Nothing refused at the boundary was claimed or queued.
        assert store.keys("codellama:*") == [] and queued_jobs(store, queue_name) == 0


def _run() -> dict:  # type: ignore[type-arg]
    return payloads.workflow_run_failed(REPO, INSTALLATION_ID, run_id=5, branch="main", sha="d" * 40)


def _post(client: TestClient, body: bytes, **changes: bytes | None):  # type: ignore[no-untyped-def]
    _, headers = payloads.signed("workflow_run", body, SECRET, "boundary-1")
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    for name, value in changes.items():
        key = name.replace("_", "-").encode()
        raw = [(k, v) for k, v in raw if k.lower() != key.lower()]
        if value is not None:
            raw += [(key, value)]
    return client.post("/webhook", content=body, headers=raw)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["workflow_run"].update(head_sha=5), "workflow_run.head_sha"),
        (lambda p: p["workflow_run"].update(head_branch=["main"]), "workflow_run.head_branch"),
        (lambda p: p["repository"].update(full_name=None), "repository.full_name"),
        (lambda p: p.update(sender=5), "sender"),
        (lambda p: p["installation"].update(id="77"), "installation.id"),
        (lambda p: p["workflow_run"].update(head_branch="ma\ud800in"), "workflow_run.head_branch"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_400_naming_it(client: TestClient, mutate, field: str) -> None:  # type: ignore[no-untyped-def]
    payload = _run()
    mutate(payload)
    response = _post(client, json.dumps(payload).encode())
    assert response.status_code == 400 and field in response.json()["reason"], response.text


def test_bodies_that_are_not_plain_json_objects_are_400s(client: TestClient) -> None:
    good = json.dumps(_run())
    for body, reason in [
        ("[" * 5000 + "]" * 5000, "nested deeper than 64"),
        ('{"a":' * 70 + "1" + "}" * 70, "nested deeper than 64"),
        ('{"action":"completed",' + good[1:], "duplicate key 'action'"),
        (good[:-1] + ',"x":NaN}', "NaN is not a JSON number"),
    ]:
        response = _post(client, body.encode())
        assert response.status_code == 400 and reason in response.json()["reason"], response.text
    response = _post(client, good.encode()[:-1] + b',"x":"\xed\xa0\x80"}')
    assert response.status_code == 400 and "not UTF-8" in response.json()["reason"]


def test_headers_must_be_single_and_ascii(client: TestClient) -> None:
    body = json.dumps(_run()).encode()
    response = _post(client, body, X_Hub_Signature_256="sha256=é".encode())
    assert response.status_code == 401 and "not ASCII" in response.json()["reason"]
    _, headers = payloads.signed("workflow_run", body, SECRET, "boundary-2")
    raw = [(k.encode(), v.encode()) for k, v in headers.items()] + [(b"X-GitHub-Delivery", b"other")]
    response = client.post("/webhook", content=body, headers=raw)
    assert response.status_code == 400 and "X-GitHub-Delivery appears 2 times" in response.json()["reason"]
    response = _post(client, body, X_GitHub_Event="workflow_run\u00e9".encode("latin-1"))
    assert response.status_code == 400 and "X-GitHub-Event is not ASCII" in response.json()["reason"]


def test_the_body_limit_holds_for_declared_and_streamed_lengths(client: TestClient) -> None:
    payload = _run()
    payload["padding"] = "x" * LIMIT
    body = json.dumps(payload).encode()
    response = _post(client, body)
    assert response.status_code == 413 and "over the 65536-byte limit" in response.json()["reason"]
    _, headers = payloads.signed("workflow_run", body, SECRET, "boundary-3")
    chunks = (body[i : i + 4096] for i in range(0, len(body), 4096))  # chunked: no Content-Length
    response = client.post("/webhook", content=chunks, headers=headers)
    assert response.status_code == 413 and "over the 65536-byte limit" in response.json()["reason"]


def test_readyz_answers_while_redis_does(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/healthz").json() == {"status": "ok"}
