"""The worker's metrics port: one HTTP endpoint summing the counters of every pool process.

Celery's prefork pool runs jobs in child processes, each with its own memory, so prometheus_client's
multiprocess mode is used: each process writes its values to files in PROMETHEUS_MULTIPROC_DIR and the
parent's endpoint reads them all. The library picks that mode when it is first imported, so `start` must run
before anything imports prometheus_client, and before the pool forks.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from core.errors import ConfigurationError
from core.settings import Settings

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def start(settings: Settings) -> Path | None:
    """Serve the metrics on WORKER_METRICS_PORT, from a fresh directory; None when the port is 0."""
    if not settings.worker_metrics_port:
        return None
    if "prometheus_client" in sys.modules:
        # Its one-process mode would be fixed already, and the pool's counts would never reach the port.
        raise RuntimeError("prometheus_client was imported before the worker chose its metrics directory")
    directory = _fresh_directory()
    os.environ[MULTIPROC_VARIABLE] = str(directory)

    from celery import signals
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    try:
        start_http_server(settings.worker_metrics_port, registry=registry)
    except OSError as exc:
        raise ConfigurationError(
            f"WORKER_METRICS_PORT={settings.worker_metrics_port} cannot be served: {exc.strerror}; "
            "choose a free port, or 0 for no metrics"
        ) from exc
    signals.worker_process_shutdown.connect(_mark_dead, weak=False)
    return directory


def _fresh_directory() -> Path:
    """A directory of this worker's own in the temporary directory: files a previous run left would be counted
    again, and a worker killed before it could remove its directory leaves nothing on a persistent volume.
    Removed at exit by the process that made it (pool processes inherit atexit handlers, but must not)."""
    directory = Path(tempfile.mkdtemp(prefix="codellama-metrics-"))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(directory, ignore_errors=True)

    atexit.register(remove)
    return directory


def _mark_dead(pid: int | None = None, **_: object) -> None:
    """A pool process is exiting: its live gauges stop counting (its counters stay in the sum)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid if pid is not None else os.getpid())
