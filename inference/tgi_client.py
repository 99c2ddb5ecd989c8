"""TextModel over Hugging Face text-generation-inference (TGI), through huggingface_hub's InferenceClient."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from huggingface_hub import InferenceClient

from inference.metering import model_request
from inference.protocol import FinishReason, Generation, GenerationParams
from inference.retries import RetryPolicy
from inference.server_facts import ServedModel, ServerFacts


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
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_concurrency = max_concurrency
        self.retry = RetryPolicy(retries, backoff_base_s, backoff_max_s, sleep, rng or random.Random())
        # huggingface_hub otherwise sends the ambient HF_TOKEN (the operator's Hub credential) to whatever
        # TGI_URL names; an explicit header, even empty, takes precedence over it.
        auth = {"authorization": f"Bearer {api_key}" if api_key else ""}
        self._client = InferenceClient(base_url=self.url, timeout=timeout_s, headers=auth)
        self.facts = ServerFacts(self.url, timeout_s=timeout_s, headers={k: v for k, v in auth.items() if v})

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        started = time.monotonic()
        attempt = partial(self._text_generation, prompt, params)
        output = self.retry.run(attempt, url=self.url, timeout_s=self.timeout_s)
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
            prompt_tokens=self.facts.counted(prompt),
            duration_s=time.monotonic() - started,
            finish_reason=finish,
            seed=seed,
        )

    def _text_generation(self, prompt: str, params: GenerationParams) -> Any:
        sampling: dict[str, Any] = {}
        if params.do_sample:
            sampling = {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
        with model_request("generate"):
            return self._client.text_generation(
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
