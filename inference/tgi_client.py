"""TextModel over Hugging Face text-generation-inference (TGI), through huggingface_hub's InferenceClient."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import httpx2
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, TextGenerationError

from core.errors import BotError, ModelUnavailable
from inference.model import FinishReason, Generation, GenerationParams
from inference.tgi_errors import Retryable, sorted_failure, transport_reason
from inference.token_estimate import estimate_tokens

log = logging.getLogger(__name__)

T = TypeVar("T")

# /info, /health and /tokenize are cheap: a server that needs longer than this is not answering.
QUICK_TIMEOUT_S = 10.0
COUNT_CACHE_SIZE = 4096


class TGIModel:
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
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.max_concurrency = max_concurrency
        self._sleep = sleep
        self._rng = rng or random.Random()
        # huggingface_hub otherwise sends the ambient HF_TOKEN (the operator's Hub credential) to whatever
        # TGI_URL names; an explicit header, even empty, takes precedence over it.
        auth = {"authorization": f"Bearer {api_key}" if api_key else ""}
        self._client = InferenceClient(base_url=self.url, timeout=timeout_s, headers=auth)
        quick = min(timeout_s, QUICK_TIMEOUT_S)
        plain_auth = {k: v for k, v in auth.items() if v}
        self._http = httpx.Client(base_url=self.url, timeout=quick, headers=plain_auth)
        self._info: dict[str, Any] | None = None
        self._tokenize_missing = False
        self._counts: dict[str, int] = {}

    def close(self) -> None:
        self._http.close()

    # ---- generation -------------------------------------------------------------------------------

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        started = time.monotonic()
        output = self._with_retries(lambda: self._text_generation(prompt, params))
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
            # TGI's /generate reports prompt length only in response headers, which InferenceClient drops.
            prompt_tokens=None,
            duration_s=time.monotonic() - started,
            finish_reason=finish,
            seed=seed,
        )

    def generate_many(self, prompt: str, params_list: list[GenerationParams]) -> list[Generation | Exception]:
        """One request per params, all in flight together: TGI batches them continuously on the GPU."""
        if not params_list:
            return []

        def one(params: GenerationParams) -> Generation | Exception:
            try:
                return self.generate(prompt, params)
            except BotError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=min(len(params_list), self.max_concurrency)) as pool:
            return list(pool.map(one, params_list))

    def _text_generation(self, prompt: str, params: GenerationParams) -> Any:
        sampling: dict[str, Any] = {}
        if params.do_sample:
            sampling = {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
        return self._client.text_generation(
            prompt,
            details=True,
            max_new_tokens=params.max_new_tokens,
            stop=list(params.stop) or None,
            seed=params.seed,
            return_full_text=False,
            **sampling,
        )

    # ---- retries ----------------------------------------------------------------------------------

    def _with_retries(self, call: Callable[[], T]) -> T:
        attempts = self.retries + 1
        started = time.monotonic()
        for attempt in range(attempts):
            try:
                return self._classified(call)
            except Retryable as exc:
                if attempt + 1 == attempts:
                    elapsed = time.monotonic() - started
                    raise ModelUnavailable(
                        f"the model server at {self.url} did not answer after {attempts} attempt(s) over "
                        f"{elapsed:.1f}s (last: {exc.reason}). Check that text-generation-inference is "
                        "running and reachable at TGI_URL, and not overloaded; then retry the job."
                    ) from exc
                delay = self._backoff(attempt, exc.retry_after_s)
                log.warning("model server %s: %s; retrying in %.2fs", self.url, exc.reason, delay)
                self._sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff(self, attempt: int, retry_after_s: float | None) -> float:
        # Exponential with "equal jitter" (half fixed, half random): concurrent candidates that failed
        # together do not all come back in the same instant and overload TGI's queue again.
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2**attempt)
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.backoff_max_s))
        return delay

    def _classified(self, call: Callable[[], T]) -> T:
        """Run one attempt; a failure becomes Retryable, JobFailed (a rejection), or stays (a bug)."""
        try:
            return call()
        except (InferenceTimeoutError, HfHubHTTPError, TextGenerationError, httpx2.TransportError) as exc:
            raise sorted_failure(exc, self.url, self.timeout_s) from exc

    # ---- server facts -----------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        """Tokens as the server's tokenizer counts them (BOS included), or a high estimate without it."""
        cached = self._counts.get(text)
        if cached is not None:
            return cached
        if not self._tokenize_missing:
            try:
                response = self._http.post("/tokenize", json={"inputs": text})
            except httpx.HTTPError as exc:
                log.info("model server %s cannot tokenize (%s); estimating", self.url, exc)
                return estimate_tokens(text)
            if response.status_code == 200:
                count = len(response.json())
                # Context building asks about the same pieces many times; a bounded memo saves the trips.
                if len(self._counts) >= COUNT_CACHE_SIZE:
                    self._counts.clear()
                self._counts[text] = count
                return count
            if response.status_code in (404, 405):
                # No /tokenize route (old TGI) or "No fast tokenizer available": it will not appear later.
                self._tokenize_missing = True
            log.info("model server %s answered /tokenize with %s; estimating", self.url, response.status_code)
        return estimate_tokens(text)

    def max_input_tokens(self) -> int | None:
        # TGI 2.x calls it max_input_tokens; 1.x called it max_input_length.
        return self._info_int("max_input_tokens", "max_input_length")

    def max_total_tokens(self) -> int | None:
        return self._info_int("max_total_tokens")

    def _info_int(self, *names: str) -> int | None:
        info = self._server_info()
        for name in names:
            value = info.get(name)
            if isinstance(value, int):
                return value
        return None

    def _server_info(self) -> dict[str, Any]:
        # Limits are fixed for a server's lifetime, so one successful /info is enough.
        if self._info is None:
            try:
                response = self._http.get("/info")
            except httpx.HTTPError as exc:
                log.info("model server %s gave no /info (%s)", self.url, exc)
                return {}
            if response.status_code != 200:
                return {}
            self._info = response.json()
        return self._info

    def check_ready(self) -> None:
        try:
            response = self._http.get("/health")
        except httpx.HTTPError as exc:
            raise ModelUnavailable(
                f"no model server answers at {self.url} ({transport_reason(exc)}); start "
                "text-generation-inference there or point TGI_URL at it"
            ) from exc
        if response.status_code != 200:
            raise ModelUnavailable(
                f"the model server at {self.url} is not healthy (GET /health answered "
                f"{response.status_code}: {response.text[:200]}); it may still be loading the model"
            )


def _finish_reason(value: str) -> FinishReason:
    known: tuple[FinishReason, ...] = ("length", "eos_token", "stop_sequence")
    return next((reason for reason in known if reason == value), "unknown")
