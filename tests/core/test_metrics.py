"""The metrics recorded in this process where things happen: model requests against the TGI stand-in, the
sandbox stopping a real run, the phase timer, the receiver's labels and its queue read with Redis down."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from bot import delivery_metrics
from bot.queue_depth import QueueDepth, queue_keys
from core import metrics
from core.errors import ModelUnavailable
from inference.metering import endpoint_label
from inference.protocol import GenerationParams
from inference.tgi_client import TGIModel
from tests.conftest import free_port
from tests.stand_ins.tgi_server import TGIStandIn
from workers.loop.metering import PhaseTimer
from workers.loop.progress import Localizing, Phase, Publishing, Reproducing, Round, SettingUp
from workers.runners.sandbox import BubblewrapRunner, SandboxLimits, sandbox_available


def sample(name: str, **labels: str) -> float:
    metrics.JOBS  # noqa: B018  (the metrics are made on first use)
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_model_requests_are_timed_and_their_failures_counted_by_status() -> None:
    with TGIStandIn(responder=["ok"]) as tgi:
        tgi.fail_next(status=503, times=1)
        generate = {"endpoint": endpoint_label(tgi.url), "request": "generate"}
        before = sample("codellama_model_errors_total", **generate, error="http_503")
        timed = sample("codellama_model_request_seconds_count", **generate)
        TGIModel(tgi.url, retries=1, backoff_base_s=0.001).generate("[INST] hi [/INST]", GenerationParams())
        tokenize = {"endpoint": endpoint_label(tgi.url), "request": "tokenize"}
    assert sample("codellama_model_errors_total", **generate, error="http_503") == before + 1
    assert sample("codellama_model_request_seconds_count", **generate) == timed + 2
    assert sample("codellama_model_request_seconds_count", **tokenize) >= 1


def test_the_endpoint_label_is_host_and_port_never_credentials() -> None:
    assert endpoint_label("http://user:secret@tgi-2:8080/v1/") == "tgi-2:8080"
    assert endpoint_label("https://tgi.internal") == "tgi.internal"


def test_a_model_server_that_is_not_there_counts_as_a_connection_error() -> None:
    port = free_port()
    errors = {"endpoint": f"127.0.0.1:{port}", "request": "generate", "error": "ConnectError"}
    before = sample("codellama_model_errors_total", **errors)
    with pytest.raises(ModelUnavailable):
        TGIModel(f"http://127.0.0.1:{port}", retries=0).generate("x", GenerationParams())
    assert sample("codellama_model_errors_total", **errors) == before + 1


def test_a_sandboxed_run_past_its_time_limit_is_counted_by_limit(tmp_path: Path) -> None:
    ok, reason = sandbox_available()
    assert ok, f"the sandbox must work on CI: {reason}"
    limits = SandboxLimits(
        cpu_s=30, memory_mb=512, max_procs=64, max_file_mb=1, wall_s=1, output_bytes=20_000
    )
    before = sample("codellama_sandbox_kills_total", limit="wall_clock_time")
    runner = BubblewrapRunner(tmp_path, limits)
    assert runner.run("true", tmp_path, timeout_s=30).ok
    assert sample("codellama_sandbox_kills_total", limit="wall_clock_time") == before
    assert runner.run("sleep 30", tmp_path, timeout_s=30).timed_out
    assert sample("codellama_sandbox_kills_total", limit="wall_clock_time") == before + 1


class Recorder:
    def __init__(self) -> None:
        self.told: list[Phase] = []

    def phase(self, phase: Phase) -> None:
        self.told.append(phase)


def test_each_phase_is_timed_once_however_often_it_is_told() -> None:
    now = [0.0]
    inner = Recorder()
    timer = PhaseTimer(inner, clock=lambda: now[0])
    counts = {p: sample("codellama_job_phase_seconds_count", phase=p) for p in ("localizing", "round")}
    sums = {p: sample("codellama_job_phase_seconds_sum", phase=p) for p in ("localizing", "round")}
    told: list[Phase] = [
        SettingUp(),
        Reproducing(),
        Localizing(),
        Localizing(files=(("a.py", "frame"),)),
        Round(1, 2, 0, 0, 10),
        Round(1, 2, 1, 0, 20),
        Round(2, 2, 1, 0, 30),
        Publishing(),
    ]
    for phase in told:
        now[0] += 1.0
        timer.phase(phase)
    now[0] += 1.0
    timer.close()
    timer.close()  # a second close observes nothing
    assert inner.told == told
    assert sample("codellama_job_phase_seconds_count", phase="localizing") == counts["localizing"] + 1
    assert sample("codellama_job_phase_seconds_sum", phase="localizing") == sums["localizing"] + 2.0
    assert sample("codellama_job_phase_seconds_count", phase="round") == counts["round"] + 2
    assert sample("codellama_job_phase_seconds_sum", phase="round") == sums["round"] + 3.0


@pytest.mark.parametrize(
    ("event", "label"),
    [(None, "unverified"), ("issue_comment", "issue_comment"), ("ping", "ping"), ("push", "other")],
)
def test_event_labels_are_bounded(event: str | None, label: str) -> None:
    assert delivery_metrics.event_label(event) == label


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (202, "queued"),
        (200, "ignored"),
        (401, "refused"),
        (413, "refused"),
        (503, "unavailable"),
        (500, "error"),
    ],
)
def test_outcome_labels(status: int, outcome: str) -> None:
    assert delivery_metrics.outcome_label(status) == outcome


def test_queue_keys_follow_kombus_priority_lists() -> None:
    assert queue_keys("q") == ["q", "q\x06\x163", "q\x06\x166", "q\x06\x169"]


def test_metrics_answer_quickly_with_the_queue_unknown_when_redis_is_down() -> None:
    depth = QueueDepth(f"redis://127.0.0.1:{free_port()}/0", "jobs")
    assert depth.read() is None
    families = {f.name: f for f in depth.collect()}
    assert set(families) == {"codellama_queue_redis_up"}
    assert families["codellama_queue_redis_up"].samples[0].value == 0


def test_receiver_metrics_endpoint_answers_200_with_redis_down(tmp_path: Path) -> None:
    from bot.app import create_app
    from tests.bot.fakes import fakes

    ctx = fakes({}, redis_url=f"redis://127.0.0.1:{free_port()}/0", celery_queue="jobs").ctx
    with TestClient(create_app(ctx)) as http:
        response = http.get("/metrics")
        assert http.post("/metrics").status_code == 405
    assert response.status_code == 200
    assert 'codellama_queue_redis_up{queue="jobs"} 0.0' in response.text
    assert "codellama_queue_depth{" not in response.text
