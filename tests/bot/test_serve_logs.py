"""The receiver's own logs (`codellama-bot serve`, a real process, uvicorn's access log included) are scrubbed
like a worker's: a secret that reaches a log line is masked."""

from __future__ import annotations

from pathlib import Path

import requests

from core.scrub import MASK
from tests import payloads, processes
from tests.bugs import PARENS, quixbugs_repo
from tests.conftest import free_port, wait_until
from tests.github_world import SECRET, github_world


def test_a_secret_in_a_request_line_is_masked_in_the_receivers_log(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    # A webhook URL configured with the secret in its query string is a real mistake; the access log
    # would then print the secret with every delivery.
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        port = free_port()
        with processes.serve(world.env(redis_url, queue_name), port, tmp_path / "serve.log") as server:
            response = requests.get(f"http://127.0.0.1:{port}/healthz?secret={SECRET}", timeout=10)
            assert response.status_code == 200
            wait_until(lambda: "/healthz?secret=" in server.log(), 10, "the access log line")
            log = server.log()
    assert SECRET not in log, log[-2000:]
    # Masked in place: uvicorn's access formatter still gets its arguments and formats the line itself.
    assert "Logging error" not in log and "Traceback" not in log, log[-3000:]
    assert f"/healthz?secret={MASK}" in log, log[-2000:]


def test_a_delivery_is_one_line_and_other_paths_keep_their_access_line(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    with github_world(tmp_path / "github", quixbugs_repo(PARENS)) as world:
        port = free_port()
        with processes.serve(world.env(redis_url, queue_name), port, tmp_path / "serve.log") as server:
            body, headers = payloads.signed("ping", {"zen": "Keep it logically awesome."}, SECRET, "d-ping-1")
            answer = requests.post(
                f"http://127.0.0.1:{port}/webhook?via=hook", data=body, headers=headers, timeout=10
            )
            assert answer.status_code == 200
            assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
            wait_until(lambda: '"GET /readyz HTTP/1.1" 200' in server.log(), 10, "the access line of /readyz")
            log = server.log()
    assert len([line for line in log.splitlines() if "d-ping-1" in line]) == 1, log[-2000:]
    assert "POST /webhook" not in log, log[-2000:]
