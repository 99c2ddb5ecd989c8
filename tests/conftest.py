"""Shared fixtures: a real Redis (the machine's, or one the tests start), corpora paths, settings."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPORA = REPO_ROOT.parent / "shared" / "corpora"
WEBHOOK_EXAMPLES = CORPORA / "webhooks" / "payload-examples" / "api.github.com"
# A database of its own so the tests never touch what other clients keep in db 0.
TEST_DB = 11


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate, timeout_s: float, what: str, interval_s: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll a condition until it holds or the deadline passes; never a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)


def _reachable(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The machine's Redis on 6379 when it answers, else a redis-server of our own on a free port."""
    if _reachable("redis://127.0.0.1:6379/0"):
        yield "redis://127.0.0.1:6379"
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "no Redis on 127.0.0.1:6379 and no redis-server to start one (apt-get install redis-server)"
        )
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: _reachable(f"redis://127.0.0.1:{port}/0"), 15, "redis-server to answer")
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A clean test database for one test."""
    url = f"{redis_server}/{TEST_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def queue_name() -> str:
    return f"test-repairs-{uuid.uuid4().hex[:8]}"
