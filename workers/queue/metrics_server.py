"""The worker's metrics port: one HTTP endpoint summing the counters of every pool process.

Celery's prefork pool runs jobs in child processes, each with its own memory, so prometheus_client's
multiprocess mode is used: each process writes its values to files in PROMETHEUS_MULTIPROC_DIR and the
parent's endpoint reads them all. The library picks that mode when it is first imported, so `start` must run
before anything imports prometheus_client, and before the pool forks. With METRICS_TOKEN set, the port
answers only `Authorization: Bearer <METRICS_TOKEN>`, as the receiver's /metrics does.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from core.bearer import authorized
from core.errors import ConfigurationError
from core.settings import Settings

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

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
    from prometheus_client import CollectorRegistry, make_wsgi_app, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    app: WsgiApp = make_wsgi_app(registry)
    token = settings.metrics_bearer()
    if token is not None:
        app = bearer_only(app, token)
    try:
        # prometheus_client's start_http_server, but with the app above: it has no way to ask for a token.
        server = make_server(
            "0.0.0.0", settings.worker_metrics_port, app, _ThreadingServer, handler_class=_QuietHandler
        )
    except OSError as exc:
        raise ConfigurationError(
            f"WORKER_METRICS_PORT={settings.worker_metrics_port} cannot be served: {exc.strerror}; "
            "choose a free port, or 0 for no metrics"
        ) from exc
    threading.Thread(target=server.serve_forever, name="metrics-port", daemon=True).start()
    signals.worker_process_shutdown.connect(_mark_dead, weak=False)
    return directory


def bearer_only(app: WsgiApp, token: str) -> WsgiApp:
    """`app` for requests with `Authorization: Bearer <token>`; 401 for any other."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if authorized(environ.get("HTTP_AUTHORIZATION"), token):
            return app(environ, start_response)
        start_response(
            "401 Unauthorized",
            [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="codellama-bot metrics"')],
        )
        return [b"the metrics port needs Authorization: Bearer <METRICS_TOKEN>\n"]

    return guarded


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scrape never holds the worker's exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """One line per scrape on stderr would drown the worker's own log."""


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
