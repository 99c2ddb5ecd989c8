"""The jobs list in a real Redis: rows through their states, defensive reads, retention and trimming."""

from __future__ import annotations

import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.job_registry import INDEX_KEY, JobRegistry, html_root, job_key, request_links
from core.jobs import RepairRequest


def _request(delivery: str, number: int | None = 7, repo: str = "octo/repo") -> RepairRequest:
    if number is None:
        return RepairRequest("ci", 1, repo, delivery, head_sha="abc1234def")
    return RepairRequest("issue", 1, repo, delivery, issue_number=number)


def test_a_row_goes_queued_running_done(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    rows = JobRegistry(client, 3600)
    request = _request("d-1")
    rows.queued(request, request_links(request, "https://api.github.com"))
    first = rows.get("d-1")
    assert first is not None and (first.state, first.repository, first.number) == ("queued", "octo/repo", 7)
    assert first.links == ("https://github.com/octo/repo/issues/7",)
    rows.running(request, list(first.links))
    rows.phase("d-1", "Round 2 of 4", tokens=1234, rounds=1)
    running = rows.get("d-1")
    assert running is not None and (running.state, running.phase, running.tokens) == (
        "running",
        "Round 2 of 4",
        1234,
    )
    assert running.queued_at == first.queued_at  # the start does not move the job in the list
    rows.done("d-1", "pull_request", "https://x/pull/8", tokens=2000, rounds=2, links=["https://x/pull/8"])
    done = rows.get("d-1")
    assert done is not None and (done.state, done.outcome, done.rounds, done.phase) == (
        "done",
        "pull_request",
        2,
        "",
    )
    assert 0 < client.ttl(job_key("d-1")) <= 3600
    assert [r.id for r in rows.recent(state="done")] == ["d-1"] and rows.recent(state="queued") == []


def test_filters_and_newest_first(redis_url: str) -> None:
    rows = JobRegistry(redis.Redis.from_url(redis_url), 3600)
    for delivery, repo in (("a", "octo/one"), ("b", "octo/two"), ("c", "Octo/One")):
        rows.queued(_request(delivery, repo=repo), [])
    assert [r.id for r in rows.recent()] == ["c", "b", "a"]
    assert [r.id for r in rows.recent(repository="octo/one")] == ["c", "a"]


def test_garbage_fields_read_as_defaults_and_bad_ids_as_none(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    rows = JobRegistry(client, 3600)
    client.hset(
        job_key("weird"),
        mapping={"state": "exploded", "number": "seven", "tokens": "1e999x", "links": '{"not": "a list"}'},
    )
    client.zadd(INDEX_KEY, {"weird": time.time()})
    client.hset(job_key("links"), mapping={"links": '["https://ok", 3, null]', "queued_at": "NaNx"})
    row = rows.get("weird")
    assert row is not None and (row.state, row.number, row.tokens, row.links) == ("queued", None, 0, ())
    other = rows.get("links")
    assert other is not None and other.links == ("https://ok",) and other.queued_at == 0.0
    assert rows.get("no-such-job") is None
    for bad in ("", "../etc/passwd", "a b", "x" * 200, "<script>"):
        assert rows.get(bad) is None
    assert [r.id for r in rows.recent()] == ["weird"]  # an index entry whose row expired is skipped too
    client.zadd(INDEX_KEY, {"expired": time.time() + 1})
    assert [r.id for r in rows.recent()] == ["weird"]


def test_old_and_surplus_rows_are_trimmed_when_a_job_is_queued(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    rows = JobRegistry(client, 3600, max_kept=3)
    rows.queued(_request("old"), [])
    client.zadd(INDEX_KEY, {"old": time.time() - 7200})  # queued two hours ago
    for n in range(4):
        rows.queued(_request(f"new-{n}"), [])
    assert [r.id for r in rows.recent()] == ["new-3", "new-2", "new-1"]
    assert not client.exists(job_key("old")) and not client.exists(job_key("new-0"))


def test_writes_to_a_dead_redis_do_not_raise() -> None:
    no_retries = Retry(NoBackoff(), 0)  # redis-py's default backs off for seconds
    rows = JobRegistry(redis.Redis(port=1, socket_connect_timeout=0.5, retry=no_retries), 3600)
    rows.queued(_request("d"), [])
    rows.phase("d", "Setting up")
    rows.done("d", "failed", "x", tokens=0, rounds=0, links=[])


def test_links_point_at_githubs_web_pages() -> None:
    assert html_root("https://ghe.example.com/api/v3/") == "https://ghe.example.com"
    assert request_links(_request("d", None), "https://api.github.com") == [
        "https://github.com/octo/repo/commit/abc1234def/checks"
    ]


def test_a_row_that_lapsed_mid_job_is_written_again_whole_enough(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    rows = JobRegistry(client, 3600)
    request = _request("d-long")
    rows.queued(request, [])
    client.delete(job_key("d-long"), INDEX_KEY)  # as if its retention ran out while it waited
    rows.running(request, [])
    row = rows.get("d-long")
    assert row is not None and row.state == "running" and row.repository == "octo/repo"
    assert row.age_s() < 60 and [r.id for r in rows.recent()] == ["d-long"]
