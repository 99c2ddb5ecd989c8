"""TextModel over Hugging Face text-generation-inference (TGI), through huggingface_hub's InferenceClient.

Several replicas of the same model may serve it: each request goes to one chosen by inference/endpoints.py,
and a request that fails on one replica (refused connection, timeout, 429/5xx) is sent at once to another
before the retry policy's backoff applies.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from huggingface_hub import InferenceClient

from core.endpoint_urls import parse_endpoint_urls
from core.errors import ModelUnavailable
from inference.endpoint_probe import EndpointProber, HttpHealthCheck
from inference.endpoints import DEFAULT_PROBE_INTERVAL_S, EndpointPool
from inference.metering import model_request
from inference.protocol import FinishReason, Generation, GenerationParams
from inference.retries import SERVER_FAILURES, Retryable, RetryPolicy, sorted_failure
from inference.server_facts import ServedModel, ServerFacts

log = logging.getLogger(__name__)

_POOLS: dict[tuple[str, ...], EndpointPool] = {}
_PROBERS: dict[tuple[str, ...], EndpointProber] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(
    urls: tuple[str, ...], backoff_s: float, probe_interval_s: float = DEFAULT_PROBE_INTERVAL_S
) -> EndpointPool:
    """One pool per set of replicas in this process: a replica marked down stays down for the next job.
    With several replicas, their health is checked in the background (inference/endpoint_probe.py),
    started here, in the process that uses the pool (after the worker's fork)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(urls)
        if pool is None:
            pool = _POOLS[urls] = EndpointPool(urls, backoff_s=backoff_s, probe_interval_s=probe_interval_s)
        if len(urls) > 1:
            prober = _PROBERS.get(urls)
            if prober is None:
                prober = _PROBERS[urls] = EndpointProber(pool, HttpHealthCheck())
            prober.start()
        return pool


def stop_shared_pools() -> None:
    """Stop the background checks and forget the pools (for tests, and a process shutting down)."""
    with _POOLS_LOCK:
        for prober in _PROBERS.values():
            prober.stop()
        _PROBERS.clear()
        _POOLS.clear()


class TGIModel(ServedModel):
    """Code Llama served by TGI. Thread-safe: generate_many calls generate from a thread pool."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 120.0,
        retries: int = 4,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        api_key: str | None = None,
        max_concurrency: int = 16,
        rng: random.Random | None = None,
        pool: EndpointPool | None = None,
        endpoint_backoff_s: float = 30.0,
    ) -> None:
        """`url`: one server, or several replicas separated by commas (or `pool`'s, when given)."""
        urls = pool.urls if pool is not None else parse_endpoint_urls(url)
        self.pool = pool if pool is not None else EndpointPool(urls, backoff_s=endpoint_backoff_s)
        self.url = ", ".join(urls)
        self.timeout_s = timeout_s
        self.max_concurrency = max_concurrency
        self.retry = RetryPolicy(retries, backoff_base_s, backoff_max_s, sleep, rng or random.Random())
        # huggingface_hub otherwise sends the ambient HF_TOKEN (the operator's Hub credential) to whatever
        # TGI_URL names; an explicit header, even empty, takes precedence over it.
        auth = {"authorization": f"Bearer {api_key}" if api_key else ""}
        headers = {k: v for k, v in auth.items() if v}
        self._clients = {u: InferenceClient(base_url=u, timeout=timeout_s, headers=auth) for u in urls}
        self._facts = {u: ServerFacts(u, timeout_s=timeout_s, headers=headers) for u in urls}
        self.facts = self._facts[urls[0]]

    # ---- what the servers say about themselves: every replica serves the same model ------------------
    def _some_facts(self) -> ServerFacts:
        """The first replica not marked down (the same one each time, so its token counts are reused)."""
        healthy = self.pool.healthy()
        return self._facts[healthy[0] if healthy else self.pool.urls[0]]

    def count_tokens(self, text: str) -> int:
        return self._some_facts().count_tokens(text)

    def max_input_tokens(self) -> int | None:
        return self._some_facts().max_input_tokens()

    def max_total_tokens(self) -> int | None:
        return self._some_facts().max_total_tokens()

    def check_ready(self) -> None:
        """Ready when one replica answers GET /health; the others are marked down."""
        problems = []
        for url, facts in self._facts.items():
            try:
                facts.check_ready()
            except ModelUnavailable as exc:
                if len(self._facts) == 1:
                    raise
                self.pool.mark_down(url)
                problems.append(str(exc))
            else:
                self.pool.mark_up(url)
        if len(problems) == len(self._facts):
            raise ModelUnavailable("no replica in TGI_URL is ready: " + "; ".join(problems))

    def close(self) -> None:
        for facts in self._facts.values():
            facts.close()

    # ---- generation ----------------------------------------------------------------------------
    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        started = time.monotonic()
        attempt = partial(self._on_some_endpoint, prompt, params)
        output, url = self.retry.run(attempt, url=self.url, timeout_s=self.timeout_s)
        details = output.details
        finish: FinishReason = "unknown"
        tokens = 0
        seed = params.seed
        if details is not None:
            finish = _finish_reason(details.finish_reason)
            tokens = details.generated_tokens
            seed = details.seed if details.seed is not None else seed
        return Generation(
            text=output.generated_text,
            generated_tokens=tokens,
            # TGI's /generate reports prompt length only in response headers, which InferenceClient drops;
            # /tokenize gives the same number, once per prompt for all its candidates (memoised).
            prompt_tokens=self._facts[url].counted(prompt),
            duration_s=time.monotonic() - started,
            finish_reason=finish,
            seed=seed,
        )

    def _on_some_endpoint(self, prompt: str, params: GenerationParams) -> tuple[Any, str]:
        """One attempt of the retry policy: the request on a chosen replica, and on each other one in turn
        while they fail in a way another replica may not (the policy sorts the last failure)."""
        tried: list[str] = []
        while True:
            url = self.pool.choose(exclude=tried)
            try:
                if len(self._clients) > 1 and self.pool.on_probation(url) and not self._answers_health(url):
                    raise Retryable(f"{url} failed its health check")
                output = self._text_generation(url, prompt, params)
            except (*SERVER_FAILURES, Retryable) as exc:
                failure = exc if isinstance(exc, Retryable) else sorted_failure(exc, url, self.timeout_s)
                if not isinstance(failure, Retryable):
                    raise  # a rejection of the request itself: every replica would refuse it alike
                backoff = self.pool.mark_down(url)
                tried.append(url)
                if len(tried) == len(self._clients):
                    raise
                log.warning(
                    "model server %s: %s; left alone for %.0fs, sending the request to another replica",
                    url,
                    failure.reason,
                    backoff,
                )
                continue
            finally:
                self.pool.finished(url)
            self.pool.mark_up(url)
            return output, url

    def _answers_health(self, url: str) -> bool:
        try:
            self._facts[url].check_ready()
        except ModelUnavailable:
            return False
        return True

    def _text_generation(self, url: str, prompt: str, params: GenerationParams) -> Any:
        sampling: dict[str, Any] = {}
        if params.do_sample:
            sampling = {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
        with model_request("generate", url):
            return self._clients[url].text_generation(
                prompt,
                details=True,
                max_new_tokens=params.max_new_tokens,
                stop=list(params.stop) or None,
                seed=params.seed,
                return_full_text=False,
                **sampling,
            )


def _finish_reason(value: str) -> FinishReason:
    known: tuple[FinishReason, ...] = ("length", "eos_token", "stop_sequence")
    return next((reason for reason in known if reason == value), "unknown")
