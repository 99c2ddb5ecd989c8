"""The worker's metrics port (WORKER_METRICS_PORT) in a real process over HTTP: with METRICS_TOKEN only the
bearer of the token is answered; without it the port is open."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from tests.conftest import REPO_ROOT, free_port

TOKEN = "scrape-me-worker-41"
# The port is started as `codellama-bot worker` starts it, before anything imports prometheus_client.
SERVE = """
import sys
from core.settings import Settings
from workers.queue import metrics_server
metrics_server.start(Settings(worker_metrics_port=int(sys.argv[1]), metrics_token=sys.argv[2] or None))
print("serving", flush=True)
sys.stdin.read()
"""


@contextmanager
def metrics_port(token: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port), token],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "serving"
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_with_a_token_only_its_bearer_is_answered() -> None:
    with metrics_port(TOKEN) as url:
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Basic {TOKEN}"}):
            refused = requests.get(url, headers=headers, timeout=5)
            assert refused.status_code == 401, headers
            assert refused.headers["WWW-Authenticate"].startswith("Bearer")
            assert "METRICS_TOKEN" in refused.text and "# HELP" not in refused.text
        answered = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert answered.status_code == 200
        assert answered.headers["Content-Type"].startswith("text/plain")


def test_without_a_token_the_port_is_open() -> None:
    with metrics_port("") as url:
        assert requests.get(url, timeout=5).status_code == 200
