"""GET /metrics on the receiver: open without METRICS_TOKEN (Prometheus on a private network), and with it
only for `Authorization: Bearer <token>`; a refusal shows no metric."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from tests.bot.fakes import fakes

TOKEN = "scrape-me-8c1f"
METRIC = "codellama_queue_depth"


def receiver(redis_url: str, **settings: object) -> TestClient:
    return TestClient(create_app(fakes({}, redis_url=redis_url, **settings).ctx))


def test_metrics_are_open_without_a_token(redis_url: str) -> None:
    reply = receiver(redis_url).get("/metrics")
    assert reply.status_code == 200 and METRIC in reply.text


def test_metrics_answer_the_token(redis_url: str) -> None:
    reply = receiver(redis_url, metrics_token=TOKEN).get(
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert reply.status_code == 200 and METRIC in reply.text


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"]
)
def test_metrics_refuse_anything_but_the_token(redis_url: str, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    reply = receiver(redis_url, metrics_token=TOKEN).get("/metrics", headers=headers)
    assert reply.status_code == 401, header
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert "METRICS_TOKEN" in reply.text and METRIC not in reply.text


def test_an_empty_token_leaves_metrics_open(redis_url: str) -> None:
    # As METRICS_TOKEN= in .env: the settings read an empty value as unset.
    assert receiver(redis_url, metrics_token="").get("/metrics").status_code == 200


def test_the_token_is_a_secret_kept_out_of_repository_code_and_logs(redis_url: str) -> None:
    settings = fakes({}, redis_url=redis_url, metrics_token=TOKEN).ctx.settings
    assert TOKEN in settings.secret_values() and TOKEN not in repr(settings)
