"""The model protocol the worker codes against, and the sampling plan for several candidates."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from core.errors import BotError, ConfigurationError
from core.logs import carry_context

# TGI's FinishReason enum (openapi.json), plus "unknown" for servers that send no details.
FinishReason = Literal["length", "eos_token", "stop_sequence", "unknown"]


@dataclass(frozen=True)
class GenerationParams:
    """How to sample one answer. Greedy when do_sample is False (temperature and top_p are then ignored)."""

    max_new_tokens: int = 2048
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    do_sample: bool = False
    stop: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # TGI answers these with a 422 anyway; failing here names the caller's mistake instead.
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be at least 1, not {self.max_new_tokens}")
        if self.temperature is not None and self.temperature <= 0:
            raise ValueError(
                f"temperature must be positive (use do_sample=False for greedy), not {self.temperature}"
            )
        if self.top_p is not None and not 0 < self.top_p < 1:
            # TGI rejects top_p == 1.0 ("`top_p` must be > 0.0 and < 1.0"); None means "no nucleus cut".
            raise ValueError(f"top_p must be strictly between 0 and 1, not {self.top_p}")


@dataclass(frozen=True)
class Generation:
    """One answer and what it cost."""

    text: str
    generated_tokens: int
    prompt_tokens: int | None
    duration_s: float
    finish_reason: FinishReason
    seed: int | None = None


class TextModel(Protocol):
    """A completion model fed with an already formatted prompt (see inference/llama_format.py).

    Contract:
    - generate returns one Generation or raises core.errors.ModelUnavailable once retries are spent
      (the server is down or stays overloaded), or core.errors.JobFailed when the server rejects the
      request itself (e.g. a prompt over its input limit), which retrying cannot cure.
    - generate_many sends one request per params, concurrently (TGI batches concurrent requests), and
      returns results in the order of params_list; a failed request is its exception, in place.
    - count_tokens never under-counts by design: when the server cannot tokenize it estimates high.
    - max_input_tokens is the server's limit on prompt tokens, max_total_tokens its limit on prompt plus
      answer; each None when the server does not say (or cannot be asked).
    - check_ready returns when the server answers healthy, and raises ModelUnavailable naming the URL
      otherwise.
    """

    def generate(self, prompt: str, params: GenerationParams) -> Generation: ...

    def generate_many(
        self, prompt: str, params_list: list[GenerationParams]
    ) -> list[Generation | Exception]: ...

    def count_tokens(self, text: str) -> int: ...

    def max_input_tokens(self) -> int | None: ...

    def max_total_tokens(self) -> int | None: ...

    def check_ready(self) -> None: ...


def candidate_params(
    k: int,
    base: GenerationParams,
    *,
    temperature: float = 0.8,
    top_p: float = 0.95,
    seed0: int = 0,
) -> list[GenerationParams]:
    """Parameters for k candidates: the first greedy, the others sampled with distinct seeds.

    Why: Code Llama-Instruct 34B solves far more tasks within several samples than with one greedy try
    (Code Llama paper, Table 2); greedy stays first because it is the single most likely answer. Seeds
    are distinct and derived from seed0 so that a rerun of the same job asks for the same samples.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    greedy = replace(base, do_sample=False, temperature=None, top_p=None, seed=None)
    sampled = [
        replace(base, do_sample=True, temperature=temperature, top_p=top_p, seed=seed0 + i)
        for i in range(1, k)
    ]
    return [greedy, *sampled]


def prompt_budget(model: TextModel, *, context_tokens: int, max_new_tokens: int) -> int:
    """Tokens a prompt may use: what the context window leaves after the answer, within the server's limits.

    TGI refuses (HTTP 422) a prompt over its max_input_tokens, or one whose length plus max_new_tokens
    exceeds its max_total_tokens; a deployment may set either below Code Llama's 16k window.
    """
    budget = context_tokens - max_new_tokens
    server_input, server_total = model.max_input_tokens(), model.max_total_tokens()
    if server_input is not None:
        budget = min(budget, server_input)
    if server_total is not None:
        budget = min(budget, server_total - max_new_tokens)
    if budget < 1:
        raise ConfigurationError(
            f"an answer of up to {max_new_tokens} tokens leaves no room for a prompt (context "
            f"{context_tokens}, server max_input_tokens={server_input}, max_total_tokens={server_total}); "
            "lower MAX_NEW_TOKENS or raise TGI's --max-total-tokens"
        )
    return budget


def generate_concurrently(
    generate: Callable[[str, GenerationParams], Generation],
    prompt: str,
    params_list: list[GenerationParams],
    *,
    max_concurrency: int = 16,
) -> list[Generation | Exception]:
    """generate_many for any single-request client: one thread per request, so they are in flight
    together (TGI and other servers batch concurrent requests); failures are returned in place."""
    if not params_list:
        return []

    def one(params: GenerationParams) -> Generation | Exception:
        try:
            return generate(prompt, params)
        except BotError as exc:  # the bot's own sorted failures; anything else is a bug and raises
            return exc

    pool = ThreadPoolExecutor(max_workers=min(len(params_list), max_concurrency))
    try:
        return list(pool.map(carry_context(one), params_list))
    finally:
        # Not `with`: its exit waits for every request in flight, so Ctrl-C, SIGTERM's hand-back or a time
        # limit would wait minutes for a 34B model's answers nobody will read. Queued requests are dropped.
        pool.shutdown(wait=False, cancel_futures=True)
