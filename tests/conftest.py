"""Shared fixtures: a real Redis (the machine's, or one the tests start), corpora paths, settings."""

from __future__ import annotations

import os
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
FIXTURES = REPO_ROOT / "tests" / "fixtures"
WEBHOOK_EXAMPLES = CORPORA / "webhooks" / "payload-examples" / "api.github.com"
# Each test session claims a database of its own (1-15), so that sessions running side by side on one
# machine (and whatever keeps data in db 0) never flush or read each other's keys.
CLAIM_KEY = "codellama-tests:claimed-by"
# load_settings reads .env from the working directory: a developer's own .env must never reach the tests.
os.environ["CODELLAMA_ENV_FILE"] = os.devnull


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def redis_db(redis_server: str) -> Iterator[str]:
    """The URL of a database this session has claimed; a claim whose session died is taken over."""
    me = str(os.getpid())
    for db in range(1, 16):
        client = redis.Redis.from_url(f"{redis_server}/{db}")
        holder = client.get(CLAIM_KEY)
        if holder is not None and _pid_alive(int(holder)):
            continue
        if holder is not None:
            client.delete(CLAIM_KEY)
        if client.set(CLAIM_KEY, me, nx=True, ex=6 * 3600):
            try:
                yield f"{redis_server}/{db}"
            finally:
                client.flushdb()
                client.close()
            return
    pytest.fail("every Redis database 1-15 is claimed by a running test session")


@pytest.fixture
def redis_url(redis_db: str) -> Iterator[str]:
    """A clean database for one test (the session's claim survives the flush)."""
    client = redis.Redis.from_url(redis_db)
    claim = client.get(CLAIM_KEY)
    client.flushdb()
    client.set(CLAIM_KEY, claim or str(os.getpid()), ex=6 * 3600)
    yield redis_db
    client.close()


@pytest.fixture
def queue_name() -> str:
    return f"test-repairs-{uuid.uuid4().hex[:8]}"
