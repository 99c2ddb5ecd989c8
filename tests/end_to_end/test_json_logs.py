"""LOG_FORMAT=json on the real `serve` and `worker` processes running a job to its pull request: every line
either writes on stderr is one JSON object, the job's lines carry its delivery id and repository (its
candidate and check-run threads included), and no HTTP client request line shows at INFO."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import processes
from tests.bugs import PARENS_RIGHT, PARENS_WRONG
from tests.github_world import REPO
from tests.scenes import parens_scene

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DELIVERY = "json-logs-delivery"


def _json_lines(path: Path) -> list[dict[str, Any]]:
    lines = path.read_bytes().decode("ascii").splitlines()
    assert lines, f"{path.name} is empty"
    parsed = []
    for number, line in enumerate(lines, 1):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"{path.name} line {number} is not JSON: {line!r}")
    return parsed


def test_every_stderr_line_is_json_and_a_jobs_lines_name_it(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    knobs = {"LOG_FORMAT": "json", "GITHUB_CHECK_RUN_INTERVAL_S": "0"}
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_WRONG, PARENS_RIGHT], **knobs) as scene:
        _, payload = scene.fix_command()
        with (
            processes.serve(scene.env, scene.port, tmp_path / "serve.out", tmp_path / "serve.err"),
            processes.worker(scene.env, tmp_path / "worker.out", stderr_path=tmp_path / "worker.err"),
        ):
            assert scene.deliver("issue_comment", payload, DELIVERY).status_code == 202
            scene.pull_request()
    served, worked = _json_lines(tmp_path / "serve.err"), _json_lines(tmp_path / "worker.err")
    for line in served + worked:
        assert {"ts", "level", "logger", "message"} <= line.keys(), line
        assert not line["logger"].startswith(("httpx", "httpcore", "urllib3", "github")), line
    in_job = [line for line in worked if line.get("delivery_id") == DELIVERY]
    assert all(line["repository"] == REPO and line["job_id"] for line in in_job), in_job
    # Celery's own "received" and "succeeded" lines too (they are written outside the job's context).
    celery = {"celery.worker.strategy", "celery.app.trace"}
    assert {"codellama.repair", "codellama.tasks", *celery} <= {line["logger"] for line in in_job}, worked
    # bm25s sets its own logger to DEBUG; at LOG_LEVEL=INFO nothing below INFO is written.
    assert {line["level"] for line in served + worked} <= {"INFO", "WARNING", "ERROR"}, worked
