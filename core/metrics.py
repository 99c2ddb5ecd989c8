"""Every Prometheus metric the bot exports, defined in one place; recording sites call these one line each.

The receiver serves them at GET /metrics (bot/app.py); the worker on WORKER_METRICS_PORT
(workers/queue/metrics_server.py), summed over its pool processes by prometheus_client's multiprocess mode.
deploy/grafana/codellama-bot.json may only query names `exported_names()` lists (a test holds it to that).

Receiver:
  codellama_webhook_deliveries_total{event,outcome,status}  deliveries answered; outcome is queued, ignored,
                                                            duplicate, refused (4xx), unavailable (503), error
  codellama_webhook_ack_seconds{outcome}                    time from request to answer (GitHub waits 10 s)
  codellama_queue_depth{queue}                              jobs waiting in the Celery queue, read on scrape
  codellama_queue_redis_up{queue}                           1 when Redis answered that read, else 0
Worker:
  codellama_jobs_total{status}                              jobs ended, by workers/github/outcome.py's status
                                                            (plus cancelled, answered, retrying, handed_back,
                                                            duplicate)
  codellama_job_phase_seconds{phase}                        time in each phase of workers/loop/progress.py
  codellama_repair_rounds_total                             repair rounds run (counted when a loop ends)
  codellama_candidates_total{stage}                         candidate answers generated, and tested
  codellama_model_tokens_total{kind}                        prompt and completion tokens spent
  codellama_model_request_seconds{endpoint,request}         one HTTP request to a model server (host:port of a
                                                            TGI_URL entry; request generate, tokenize...)
  codellama_model_errors_total{endpoint,request,error}      requests that failed, by exception or HTTP status
  codellama_sandbox_kills_total{limit}                      sandboxed runs a limit stopped or broke

The metrics are made on first use, not on import: prometheus_client chooses between one-process and
multiprocess mode when it is first imported, and the worker sets PROMETHEUS_MULTIPROC_DIR only once its
settings are read, after much of the job code is imported.
"""

from __future__ import annotations

import threading
from typing import Any

# Read from Redis at scrape time by bot/queue_depth.py, so not a stored metric: only the names live here.
QUEUE_DEPTH = "codellama_queue_depth"
QUEUE_REDIS_UP = "codellama_queue_redis_up"

_lock = threading.Lock()
_made: dict[str, Any] = {}


def _make() -> dict[str, Any]:
    from prometheus_client import Counter, Histogram

    return {
        # Receiver.
        "DELIVERIES": Counter(
            "codellama_webhook_deliveries", "Webhook deliveries answered", ["event", "outcome", "status"]
        ),
        "ACK_SECONDS": Histogram(
            "codellama_webhook_ack_seconds",
            "Time from a delivery's arrival to its answer",
            ["outcome"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        ),
        # Worker.
        "JOBS": Counter("codellama_jobs", "Jobs ended, by how they ended", ["status"]),
        "PHASE_SECONDS": Histogram(
            "codellama_job_phase_seconds",
            "Time a job spent in each phase",
            ["phase"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600),
        ),
        "ROUNDS": Counter("codellama_repair_rounds", "Repair rounds run"),
        "CANDIDATES": Counter(
            "codellama_candidates", "Candidate answers, by stage (generated, tested)", ["stage"]
        ),
        "TOKENS": Counter(
            "codellama_model_tokens", "Model tokens spent, by kind (prompt, completion)", ["kind"]
        ),
        "MODEL_SECONDS": Histogram(
            "codellama_model_request_seconds",
            "One HTTP request to a model server, by endpoint (host:port) and request",
            ["endpoint", "request"],
            buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300),
        ),
        "MODEL_ERRORS": Counter(
            "codellama_model_errors", "Failed requests to a model server", ["endpoint", "request", "error"]
        ),
        "SANDBOX_KILLS": Counter(
            "codellama_sandbox_kills", "Sandboxed runs a limit stopped or broke", ["limit"]
        ),
    }


def __getattr__(name: str) -> Any:
    """`metrics.JOBS` and the rest, registered with prometheus_client's default registry on first use."""
    with _lock:
        if not _made:
            _made.update(_make())
    try:
        return _made[name]
    except KeyError:
        raise AttributeError(f"core.metrics has no metric {name}") from None


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}


def exported_names() -> frozenset[str]:
    """Every series name the bot exports (counters with _total, histograms with _bucket/_count/_sum)."""
    names = {QUEUE_DEPTH, QUEUE_REDIS_UP}
    __getattr__("JOBS")  # made, if they were not yet
    for metric in _made.values():
        for family in metric.describe():
            names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return frozenset(names)
