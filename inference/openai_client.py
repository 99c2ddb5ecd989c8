"""TextModel over an OpenAI-compatible completions endpoint (POST /v1/completions): TGI's own, vLLM's,
llama.cpp's server. For benchmarks against whatever serves Code Llama; the bot itself uses TGIModel.

The prompt is sent as built by inference/llama_format.py, without a leading BOS: these servers add it
when they tokenize a completion prompt, as TGI's /generate does.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx

from inference.metering import model_request
from inference.protocol import FinishReason, Generation, GenerationParams
from inference.retries import RetryPolicy
from inference.server_facts import ServedModel, ServerFacts


class CompletionsModel(ServedModel):
    """Code Llama behind /v1/completions. Thread-safe: generate_many calls generate from a thread pool.

    Several candidates are several requests: the OpenAI API's `n` is not honoured by every server (TGI
    ignores it)."""

    def __init__(
        self,
        url: str,
        *,
        model: str = "codellama/CodeLlama-34b-Instruct-hf",
        timeout_s: float = 120.0,
        retries: int = 4,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        api_key: str | None = None,
        max_concurrency: int = 16,
        rng: random.Random | None = None,
    ) -> None:
        # Accept both the server's root and its OpenAI base (".../v1"), as OpenAI clients are configured.
        self.url = url.rstrip("/").removesuffix("/v1")
        self.model = model  # vLLM requires the served model's name; TGI ignores it
        self.timeout_s = timeout_s
        self.max_concurrency = max_concurrency
        self.retry = RetryPolicy(retries, backoff_base_s, backoff_max_s, sleep, rng or random.Random())
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.url, timeout=timeout_s, headers=headers)
        self.facts = ServerFacts(self.url, timeout_s=timeout_s, headers=headers)

    def close(self) -> None:
        self._http.close()
        super().close()

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        started = time.monotonic()
        attempt = partial(self._complete, _request(self.model, prompt, params))
        answer = self.retry.run(attempt, url=self.url, timeout_s=self.timeout_s)
        choice = answer["choices"][0]
        usage = answer.get("usage") or {}
        text = str(choice.get("text", ""))
        return Generation(
            text=text,
            generated_tokens=int(usage.get("completion_tokens", 0)),
            prompt_tokens=usage.get("prompt_tokens"),
            duration_s=time.monotonic() - started,
            finish_reason=_finish_reason(choice.get("finish_reason"), text, params.stop),
            seed=params.seed if params.do_sample else None,
        )

    def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        with model_request("completions", self.url):
            response = self._http.post("/v1/completions", json=body)
            response.raise_for_status()  # HTTPStatusError carries the response; RetryPolicy sorts it
        answer: dict[str, Any] = response.json()
        return answer


def _request(model: str, prompt: str, params: GenerationParams) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "prompt": prompt, "max_tokens": params.max_new_tokens}
    if params.do_sample:
        body.update(temperature=params.temperature, top_p=params.top_p, seed=params.seed)
    else:
        # OpenAI's default temperature is 1 (sampling); 0 is the API's way of asking for greedy decoding.
        body["temperature"] = 0
    if params.stop:
        body["stop"] = list(params.stop)
    return {k: v for k, v in body.items() if v is not None}


def _finish_reason(value: object, text: str, stop: list[str]) -> FinishReason:
    # OpenAI's "stop" covers both the end-of-sequence token and a stop sequence. TGI keeps the stop
    # sequence in the text, which tells them apart; servers that drop it (vLLM) read as eos_token here.
    if value == "length":
        return "length"
    if value == "stop":
        return "stop_sequence" if any(s and text.endswith(s) for s in stop) else "eos_token"
    return "unknown"
