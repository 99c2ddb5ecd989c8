"""Timing each request to the model server and counting its failures, by endpoint (core/metrics.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from core import metrics
from inference.retries import http_status


def error_label(exc: BaseException) -> str:
    """`http_503` for an HTTP answer (through TGI's wrappers), else the exception's class: a timeout or a
    refused connection. Both are bounded sets, fit for a label."""
    status, _, _ = http_status(exc)
    return f"http_{status}" if status is not None else type(exc).__name__


def endpoint_label(url: str) -> str:
    """The model server as `host:port` (the operator's own TGI_URL entries: a bounded set), never its
    credentials or path."""
    parts = urlsplit(url)
    host = parts.hostname or "unknown"
    return f"{host}:{parts.port}" if parts.port else host


@contextmanager
def model_request(request: str, url: str) -> Iterator[None]:
    """Observe one request's time (`request`: generate or tokenize) at one model server; count it as an
    error if it raises (and re-raise)."""
    endpoint = endpoint_label(url)
    started = time.monotonic()
    try:
        yield
    except Exception as exc:
        metrics.MODEL_ERRORS.labels(endpoint, request, error_label(exc)).inc()
        raise
    finally:
        metrics.MODEL_SECONDS.labels(endpoint, request).observe(time.monotonic() - started)
