"""GET /metrics on a real `codellama-bot serve` and on a real worker's WORKER_METRICS_PORT, scraped over HTTP
before and after real work: a signed delivery on the receiver, a whole repair job on the worker."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.exits import USAGE
from inference.metering import endpoint_label
from tests import processes
from tests.bugs import PARENS_RIGHT, PARENS_WRONG
from tests.conftest import free_port, wait_until
from tests.metrics_scrape import scrape
from tests.scenes import parens_scene

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DELIVERIES = "codellama_webhook_deliveries_total"


def test_receiver_counts_deliveries_by_outcome_and_reads_the_queue(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    with (
        parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT]) as scene,
        processes.serve(scene.env, scene.port, tmp_path / "serve.log"),
    ):
        before = scrape(scene.port)
        assert before.value("codellama_queue_depth", queue=queue_name) == 0
        assert before.value("codellama_queue_redis_up", queue=queue_name) == 1
        _, payload = scene.fix_command()
        assert scene.deliver("issue_comment", payload, "metrics-1").status_code == 202
        assert scene.deliver("issue_comment", payload, "metrics-1").status_code == 200  # redelivered
        forged = scene.deliver("made_up_event", b"{}", "metrics-2", secret="not-the-secret")
        assert forged.status_code == 401
        assert scene.deliver("issue_comment", b"[not json", "metrics-3").status_code == 400
        after = scrape(scene.port)

    def grew(**labels: str) -> float:
        return after.value(DELIVERIES, **labels) - before.value(DELIVERIES, **labels)

    assert grew(event="issue_comment", outcome="queued", status="202") == 1
    assert grew(event="issue_comment", outcome="duplicate", status="200") == 1
    assert grew(event="issue_comment", outcome="refused", status="400") == 1
    # A forged request's headers never become a label: it is counted as unverified.
    assert grew(event="unverified", outcome="refused", status="401") == 1
    assert "made_up_event" not in after.label_values(DELIVERIES, "event")
    acknowledged = after.value("codellama_webhook_ack_seconds_count", outcome="queued")
    assert acknowledged == 1
    assert 0 < after.value("codellama_webhook_ack_seconds_sum", outcome="queued") < 10
    # No worker runs: the job waits in the queue, read from Redis at scrape time.
    assert after.value("codellama_queue_depth", queue=queue_name) == 1


def test_worker_metrics_port_counts_a_repair_job_over_its_pool(
    tmp_path: Path, redis_url: str, queue_name: str
) -> None:
    port = free_port()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    knobs = {"WORKER_METRICS_PORT": str(port), "TMPDIR": str(temporary)}
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_WRONG, PARENS_RIGHT], **knobs) as scene:
        with (
            processes.serve(scene.env, scene.port, tmp_path / "serve.log"),
            processes.worker(scene.env, tmp_path / "worker.log") as worker,
        ):
            before = scrape(port)
            assert before.value("codellama_repair_rounds_total") == 0
            # The pool processes' files, in a directory made fresh for this worker.
            [directory] = temporary.glob("codellama-metrics-*")
            _, payload = scene.fix_command()
            assert scene.deliver("issue_comment", payload, "metrics-job").status_code == 202
            scene.pull_request()
            # The job is counted when its task returns, just after the pull request is opened.
            after = wait_until(
                lambda: (s := scrape(port)).value("codellama_jobs_total", status="pull_request") == 1 and s,
                60,
                "the job to be counted",
            )
            assert after.value("codellama_repair_rounds_total") == 2, worker.log()
        assert not directory.exists()  # removed when the worker stopped

    assert after.value("codellama_candidates_total", stage="generated") == 2
    assert after.value("codellama_candidates_total", stage="tested") == 2
    assert after.value("codellama_model_tokens_total", kind="prompt") > 0
    assert after.value("codellama_model_tokens_total", kind="completion") > 0
    served = endpoint_label(scene.tgi.url)
    assert after.value("codellama_model_request_seconds_count", endpoint=served, request="generate") == 2
    phases = {
        phase: after.value("codellama_job_phase_seconds_count", phase=phase)
        for phase in ("setting_up", "reproducing", "localizing", "round", "publishing")
    }
    assert phases == {"setting_up": 1, "reproducing": 1, "localizing": 1, "round": 2, "publishing": 1}
    assert after.value("codellama_job_phase_seconds_sum", phase="round") > 0


@pytest.mark.parametrize("port", ["busy", "70000", "eighty"])
def test_a_metrics_port_the_worker_cannot_serve_is_one_line(
    tmp_path: Path, redis_url: str, queue_name: str, port: str
) -> None:
    with parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT]) as scene, socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        value = str(taken.getsockname()[1]) if port == "busy" else port
        env = scene.env | {"WORKER_METRICS_PORT": value}
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "worker"],
            env=processes.child_env(env),
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "WORKER_METRICS_PORT" in lines[0].upper(), done.stderr
    assert done.returncode == USAGE, done.stderr
