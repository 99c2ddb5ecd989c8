"""Calling a model server: sort each failure (retry, a rejection no retry will cure, or a bug) and retry
the first kind with exponential backoff, until ModelUnavailable."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import httpx2
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, TextGenerationError

from core.errors import JobFailed, ModelUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

# 429: TGI's queue is full ("Model is overloaded"). 503: TGI or a proxy in front of it is starting or
# unhealthy. 502/504: a reverse proxy could not reach TGI (restarting) or gave up waiting.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# What an operator can do about a rejection, by status.
_HINTS = {
    401: "the server wants an API key; set the one TGI was started with (its --api-key)",
    403: "the server refuses this API key",
    404: "TGI_URL should be the server's root URL (TGI answers generation on POST /)",
    413: "the prompt is larger than the server or a proxy in front of it accepts",
    422: "TGI found the parameters invalid; a prompt over its --max-input-tokens or an answer past "
    "--max-total-tokens needs a smaller context budget or MAX_NEW_TOKENS, or larger TGI limits",
}
# What a call to a model server may raise that says something about the server, not about our code.
SERVER_FAILURES = (
    InferenceTimeoutError,
    HfHubHTTPError,
    TextGenerationError,
    httpx2.HTTPError,
    httpx.HTTPError,
)


class Retryable(Exception):
    """A failure worth another attempt; carries the human reason and the server's Retry-After."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass
class RetryPolicy:
    """How often and how patiently to call again. `sleep` and `rng` are injectable for tests."""

    retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def run(self, call: Callable[[], T], *, url: str, timeout_s: float) -> T:
        """call(), again after retryable failures; ModelUnavailable when they outlast the retries."""
        attempts = self.retries + 1
        started = time.monotonic()
        for attempt in range(attempts):
            try:
                try:
                    return call()
                except SERVER_FAILURES as exc:
                    raise sorted_failure(exc, url, timeout_s) from exc
            except Retryable as exc:
                if attempt + 1 == attempts:
                    elapsed = time.monotonic() - started
                    raise ModelUnavailable(
                        f"the model server at {url} did not answer after {attempts} attempt(s) over "
                        f"{elapsed:.1f}s (last: {exc.reason}). Check that text-generation-inference is "
                        "running and reachable at TGI_URL, and not overloaded; then retry the job."
                    ) from exc
                delay = self.backoff(attempt, exc.retry_after_s)
                log.warning("model server %s: %s; retrying in %.2fs", url, exc.reason, delay)
                self.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def backoff(self, attempt: int, retry_after_s: float | None) -> float:
        # Exponential with "equal jitter" (half fixed, half random): concurrent candidates that failed
        # together do not all come back in the same instant and overload TGI's queue again.
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2**attempt)
        delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.backoff_max_s))
        return delay


def sorted_failure(exc: Exception, url: str, timeout_s: float) -> Exception:
    """What a failed call means: Retryable, or JobFailed for a rejection.

    Timeouts, connection failures and the statuses above are retryable. Any other HTTP status (422 for
    a prompt over the server's limits, 400, 404 for a wrong URL) will come back the same next time.
    """
    if isinstance(exc, InferenceTimeoutError | httpx.TimeoutException | httpx2.TimeoutException):
        return Retryable(f"no answer within {timeout_s:g}s")
    if isinstance(exc, httpx2.TransportError | httpx.TransportError):
        return Retryable(transport_reason(exc))
    status, retry_after, text = http_status(exc)
    if status in RETRY_STATUSES:
        return Retryable(f"HTTP {status}: {text}", retry_after)
    hint = _HINTS.get(status or 0, "the request itself was refused")
    return JobFailed(
        f"the model server at {url} rejected the request (HTTP {status}: {text}); retrying the same "
        f"request will not help: {hint}"
    )


def http_status(exc: BaseException) -> tuple[int | None, float | None, str]:
    """Status, Retry-After seconds and error text of an HTTP error, looking through TGI error wrappers.

    huggingface_hub raises TGI's typed errors (OverloadedError, ValidationError…) from the HTTP error
    that holds the response, so the status is found on the cause.
    """
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if response is not None:
            retry_after = _seconds(response.headers.get("retry-after"))
            try:
                text = str(response.json().get("error", ""))
            except (ValueError, AttributeError):  # not JSON, or not TGI's {"error": …}
                text = response.text[:200]
            return response.status_code, retry_after, text or str(exc)
        seen = seen.__cause__
    return None, None, str(exc)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from TGI or its proxies, and the backoff covers it


def transport_reason(exc: BaseException) -> str:
    """A short human reason for a network-level failure, from either httpx generation."""
    if isinstance(exc, httpx2.ConnectError | httpx.ConnectError):
        return f"connection failed: {exc}" if str(exc) else "connection refused"
    if isinstance(exc, httpx2.TimeoutException | httpx.TimeoutException):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"
