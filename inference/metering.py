"""Timing each request to the model server and counting its failures, by endpoint (core/metrics.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from core import metrics
from inference.retries import http_status


def error_label(exc: BaseException) -> str:
    """`http_503` for an HTTP answer (through TGI's wrappers), else the exception's class: a timeout or a
    refused connection. Both are bounded sets, fit for a label."""
    status, _, _ = http_status(exc)
    return f"http_{status}" if status is not None else type(exc).__name__


@contextmanager
def model_request(endpoint: str) -> Iterator[None]:
    """Observe one request's time; count it as an error if it raises (and re-raise)."""
    started = time.monotonic()
    try:
        yield
    except Exception as exc:
        metrics.MODEL_ERRORS.labels(endpoint, error_label(exc)).inc()
        raise
    finally:
        metrics.MODEL_SECONDS.labels(endpoint).observe(time.monotonic() - started)
