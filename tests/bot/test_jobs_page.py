"""GET /jobs and /jobs/{id} over HTTP: off without OPERATOR_TOKEN, a bearer token otherwise, everything
escaped, a strict CSP, and a 404 (never a 500) for ids that are unknown or could not be ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.bot.jobs_pages import JOB, TOKEN, page_app

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def http(tmp_path: Path, redis_url: str) -> TestClient:
    return TestClient(page_app(tmp_path, redis_url))


def test_the_page_is_off_without_an_operator_token(tmp_path: Path, redis_url: str) -> None:
    http = TestClient(page_app(tmp_path, redis_url, token=None))
    for path in ("/jobs", f"/jobs/{JOB}"):
        assert http.get(path, headers=AUTH).status_code == 404
        assert http.get(path, headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer é☃",
    ],
)
def test_anything_but_the_token_is_401(http: TestClient, header: str | None) -> None:
    headers = {} if header is None else {b"Authorization": header.encode()}  # bytes: non-ASCII too
    for path in ("/jobs", f"/jobs/{JOB}", "/jobs/no-such-job"):
        reply = http.get(path, headers=headers)
        assert reply.status_code == 401, (path, header)
        assert reply.headers["WWW-Authenticate"].startswith("Bearer") and JOB not in reply.text


def test_the_list_shows_the_job_with_links_and_spend(http: TestClient) -> None:
    reply = http.get("/jobs", headers=AUTH)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert f'href="/jobs/{JOB}"' in reply.text and "pull_request" in reply.text
    assert "5,432 tokens, 1 rounds" in reply.text
    assert '<a href="https://github.com/octo/parens/pull/4"' in reply.text
    assert 'href="javascript:' not in reply.text  # only http(s) links become links
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert http.post("/jobs", headers=AUTH).status_code == 405  # read-only


def test_a_job_renders_its_trajectory_escaped(http: TestClient) -> None:
    page = http.get(f"/jobs/{JOB}", headers=AUTH).text
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "<details><summary>Prompt</summary>" in page and "<summary>Answer 1</summary>" in page
    assert '<span class="add">+    return depth == 0</span>' in page
    assert '<span class="del">-    return True</span>' in page
    assert "<pre>1 passed &lt;b&gt;bold?&lt;/b&gt;</pre>" in page


@pytest.mark.parametrize(
    "path", ["/jobs/no-such-job", "/jobs/..%2F..%2Fetc%2Fpasswd", "/jobs/%3Cscript%3E", "/jobs/" + "x" * 300,
             "/jobs/%00", "/jobs/a%20b", "/jobs/%FF%FE"],
)  # fmt: skip
def test_unknown_or_malformed_ids_are_404(http: TestClient, path: str) -> None:
    reply = http.get(path, headers=AUTH)
    assert reply.status_code == 404, (path, reply.text)
    assert "<script>" not in reply.text


def test_a_broken_trajectory_file_is_said_not_500(http: TestClient, tmp_path: Path) -> None:
    [path] = (tmp_path / "data" / "trajectories").glob("*/*.json")
    for content in (b"{not json", b"[1, 2]", b'{"rounds": "x", "outcome": [], "base_runs": [3]}'):
        path.write_bytes(content)
        reply = http.get(f"/jobs/{JOB}", headers=AUTH)
        assert reply.status_code == 200 and f"Job {JOB}" in reply.text, reply.text
    path.unlink()
    assert "No trajectory for this job" in http.get(f"/jobs/{JOB}", headers=AUTH).text
