"""CompletionsModel (OpenAI-style /v1/completions) against the TGI stand-in's completions endpoint."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from core.errors import JobFailed, ModelUnavailable
from inference.openai_client import CompletionsModel
from inference.protocol import Generation, GenerationParams, candidate_params
from tests.stand_ins.tgi_server import TGIStandIn
from tests.stand_ins.tgi_shapes import fake_tokenize

PROMPT = "[INST] Fix `gcd` so that the tests pass. [/INST]"


def no_sleep(seconds: float) -> None:
    pass


def test_greedy_asks_for_temperature_zero_and_reads_usage() -> None:
    with TGIStandIn(responder=["Swap the arguments: gcd(b, a % b)."]) as tgi:
        model = CompletionsModel(f"{tgi.url}/v1", model="codellama", sleep=no_sleep)
        result = model.generate(PROMPT, GenerationParams(max_new_tokens=100))
        sent = tgi.requests[0]
    assert sent.path == "/v1/completions" and sent.prompt == PROMPT
    assert sent.body == {"model": "codellama", "prompt": PROMPT, "max_tokens": 100, "temperature": 0}
    assert not sent.parameters["do_sample"]
    assert result.text == "Swap the arguments: gcd(b, a % b)."
    assert result.finish_reason == "eos_token"
    assert result.prompt_tokens == len(fake_tokenize(PROMPT))
    assert result.generated_tokens == len(fake_tokenize(result.text))  # pieces plus EOS, minus BOS


def test_sampling_stop_and_length() -> None:
    answers = ["first line\n```\nafter the fence", "a b c d e f g"]
    with TGIStandIn(responder=answers) as tgi:
        model = CompletionsModel(tgi.url, sleep=no_sleep)
        params = GenerationParams(do_sample=True, temperature=0.8, top_p=0.95, seed=4, stop=["```"])
        stopped = model.generate(PROMPT, params)
        cut = model.generate(PROMPT, GenerationParams(max_new_tokens=2))
        body = tgi.requests[0].body
    assert (body["temperature"], body["top_p"], body["seed"], body["stop"]) == (0.8, 0.95, 4, ["```"])
    assert (
        stopped.text == "first line\n```" and stopped.finish_reason == "stop_sequence" and stopped.seed == 4
    )
    assert cut.text == "a b" and cut.finish_reason == "length"


def test_candidates_are_in_flight_together() -> None:
    barrier = threading.Barrier(3, timeout=10)

    def responder(prompt: str, parameters: dict[str, Any]) -> str:
        barrier.wait()
        return f"seed {parameters.get('seed')}"

    with TGIStandIn(responder=responder) as tgi:
        params = candidate_params(3, GenerationParams(max_new_tokens=50), seed0=20)
        results = CompletionsModel(tgi.url, retries=0).generate_many(PROMPT, params)
        assert tgi.max_in_flight == 3 and tgi.errors == []
    assert [r.text for r in results if isinstance(r, Generation)] == ["seed None", "seed 21", "seed 22"]


def test_overload_is_retried_and_rejections_are_not() -> None:
    with TGIStandIn(responder=lambda prompt, parameters: "ok", max_total_tokens=500) as tgi:
        model = CompletionsModel(tgi.url, retries=2, sleep=no_sleep)
        tgi.fail_next(status=429, times=2)
        assert model.generate(PROMPT, GenerationParams(max_new_tokens=10)).text == "ok"
        assert len(tgi.requests) == 3
        with pytest.raises(JobFailed, match="HTTP 422"):
            model.generate(PROMPT, GenerationParams(max_new_tokens=1000))
        assert len(tgi.requests) == 4
        tgi.fail_next(status=503, times=10)
        with pytest.raises(ModelUnavailable, match=tgi.url):
            model.generate(PROMPT, GenerationParams(max_new_tokens=10))


def test_nothing_listening_is_model_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    model = CompletionsModel(url, retries=1, sleep=no_sleep)
    with pytest.raises(ModelUnavailable, match="connection"):
        model.generate(PROMPT, GenerationParams())
    with pytest.raises(ModelUnavailable, match=url):
        model.check_ready()


def test_limits_and_counts_come_from_the_server() -> None:
    with TGIStandIn(max_input_tokens=3000, max_total_tokens=4000) as tgi:
        model = CompletionsModel(f"{tgi.url}/v1/")
        assert (model.max_input_tokens(), model.max_total_tokens()) == (3000, 4000)
        assert model.count_tokens(PROMPT) == len(fake_tokenize(PROMPT))
        model.check_ready()
