"""What a model server says about itself: health, token limits, token counts (TGI's GET /health,
GET /info, POST /tokenize). A server without one of them gets None or a high estimate, not an error."""

from __future__ import annotations

import logging
from typing import Any, Self

import httpx

from core.errors import ModelUnavailable
from inference.metering import model_request
from inference.protocol import Generation, GenerationParams, generate_concurrently
from inference.retries import transport_reason
from inference.token_estimate import estimate_tokens

log = logging.getLogger(__name__)

# /info, /health and /tokenize are cheap: a server that needs longer than this is not answering.
QUICK_TIMEOUT_S = 10.0
COUNT_CACHE_SIZE = 4096


class ServerFacts:
    """Health, limits and token counts of the server at `url`; thread-safe enough for a thread pool."""

    def __init__(self, url: str, *, timeout_s: float, headers: dict[str, str]) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=min(timeout_s, QUICK_TIMEOUT_S), headers=headers)
        self._info: dict[str, Any] | None = None
        self._tokenize_missing = False
        self._counts: dict[str, int] = {}

    def close(self) -> None:
        self._http.close()

    def count_tokens(self, text: str) -> int:
        """Tokens as the server's tokenizer counts them (BOS included), or a high estimate without it."""
        counted = self.counted(text)
        return counted if counted is not None else estimate_tokens(text)

    def counted(self, text: str) -> int | None:
        """The server tokenizer's count (BOS included), or None when it cannot tell."""
        cached = self._counts.get(text)
        if cached is not None or self._tokenize_missing:
            return cached
        try:
            with model_request("tokenize", self.url):
                response = self._http.post("/tokenize", json={"inputs": text})
        except httpx.HTTPError as exc:
            log.info("model server %s cannot tokenize (%s)", self.url, exc)
            return None
        if response.status_code == 200 and isinstance(tokens := response.json(), list):
            # Context building asks about the same pieces many times; a bounded memo saves the trips.
            if len(self._counts) >= COUNT_CACHE_SIZE:
                self._counts.clear()
            self._counts[text] = len(tokens)
            return len(tokens)
        if response.status_code in (404, 405, 422):
            # No /tokenize route (old TGI, other servers), "No fast tokenizer available", or another
            # server's /tokenize with another request shape: it will not start working later.
            self._tokenize_missing = True
        log.info("model server %s answered /tokenize with %s", self.url, response.status_code)
        return None

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


class ServedModel:
    """What every HTTP model client shares: the TextModel methods that only ask the server about itself,
    several candidates as concurrent requests, and closing its connections (also as a context manager)."""

    facts: ServerFacts
    max_concurrency: int

    def count_tokens(self, text: str) -> int:
        return self.facts.count_tokens(text)

    def max_input_tokens(self) -> int | None:
        return self.facts.max_input_tokens()

    def max_total_tokens(self) -> int | None:
        return self.facts.max_total_tokens()

    def check_ready(self) -> None:
        self.facts.check_ready()

    def generate(self, prompt: str, params: GenerationParams) -> Generation:
        raise NotImplementedError

    def generate_many(self, prompt: str, params_list: list[GenerationParams]) -> list[Generation | Exception]:
        """One request per params, all in flight together: the server batches them (TGI continuously on
        the GPU), and separate requests give each candidate its own seed."""
        return generate_concurrently(self.generate, prompt, params_list, max_concurrency=self.max_concurrency)

    def close(self) -> None:
        self.facts.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
