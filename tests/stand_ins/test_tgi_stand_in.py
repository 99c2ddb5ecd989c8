"""The TGI stand-in answers in TGI's shapes: checked against TGI's OpenAPI description, its recorded
responses (../shared/corpora/tgi) and huggingface_hub's own parsers."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from huggingface_hub import ChatCompletionInputStreamOptions as StreamOptions
from huggingface_hub import InferenceClient
from huggingface_hub.errors import OverloadedError

from tests.conftest import CORPORA, REPO_ROOT
from tests.stand_ins.tgi_server import TGIStandIn

TGI_CORPUS = CORPORA / "tgi"
OPENAPI = json.loads((TGI_CORPUS / "openapi.json").read_text())
SNAPSHOTS = TGI_CORPUS / "response-snapshots"
PROMPT = "[INST] Why does `bitcount(127)` loop forever? [/INST]"
ANSWER = "Because `n ^= n - 1` never clears the lowest bit; use `n &= n - 1`."


def violations(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """What in `value` breaks an OpenAPI 3.0 schema (the subset TGI's description uses).

    Optional fields may be null: TGI serializes absent options as null (see its snapshots' top_tokens).
    """
    if "$ref" in schema:
        return violations(value, OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], where)
    if "allOf" in schema:
        return [v for part in schema["allOf"] for v in violations(value, part, where)]
    if "oneOf" in schema:
        results = [violations(value, part, where) for part in schema["oneOf"]]
        return [] if any(not r for r in results) else [f"{where}: matches no oneOf branch: {results}"]
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null where {schema.get('type')} is required"]
    kind = schema.get("type")
    python_types: dict[str, type | tuple[type, ...]] = {
        "object": dict, "array": list, "string": str, "boolean": bool, "number": (int, float),
    }  # fmt: skip
    if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return [f"{where}: {value!r} is not an integer"]
    if kind in python_types and not isinstance(value, python_types[kind]):
        return [f"{where}: {value!r} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    problems = []
    if kind == "array":
        for i, item in enumerate(value):
            problems += violations(item, schema.get("items", {}), f"{where}[{i}]")
    if kind == "object":
        required = schema.get("required", [])
        problems += [f"{where}: missing {name}" for name in required if name not in value]
        for name, sub in schema.get("properties", {}).items():
            if name in value and not (value[name] is None and name not in required):
                problems += violations(value[name], sub, f"{where}.{name}")
    return problems


def response_schema(path: str, method: str, status: str, content: str = "application/json") -> dict[str, Any]:
    return OPENAPI["paths"][path][method]["responses"][status]["content"][content]["schema"]


@pytest.fixture
def tgi() -> Iterator[TGIStandIn]:
    with TGIStandIn(responder=lambda prompt, parameters: ANSWER) as server:
        yield server


def sse_events(response: httpx.Response) -> list[str]:
    return [line.removeprefix("data:").strip() for line in response.iter_lines() if line.startswith("data:")]


def test_the_checker_accepts_real_tgi_responses_and_rejects_broken_ones() -> None:
    real = json.loads((SNAPSHOTS / "test_flash_llama" / "test_flash_llama_all_params.json").read_text())
    schema = response_schema("/generate", "post", "200")
    assert violations(real, schema) == []
    broken = {**real, "details": {k: v for k, v in real["details"].items() if k != "finish_reason"}}
    assert violations(broken, schema) == ["$.details: missing finish_reason"]
    chat = json.loads((SNAPSHOTS / "test_chat_llama" / "test_flash_llama_simple.json").read_text())
    assert violations(chat, response_schema("/v1/chat/completions", "post", "200")) == []


def test_generate_matches_schema_and_real_snapshot_fields(tgi: TGIStandIn) -> None:
    body = {"inputs": PROMPT, "parameters": {"details": True, "max_new_tokens": 64, "stop": ["use"]}}
    answer = httpx.post(f"{tgi.url}/generate", json=body).json()
    assert violations(answer, response_schema("/generate", "post", "200")) == []
    real = json.loads((SNAPSHOTS / "test_flash_llama" / "test_flash_llama_all_params.json").read_text())
    assert set(answer) == set(real) and set(answer["details"]) == set(real["details"])
    assert set(answer["details"]["tokens"][0]) == set(real["details"]["tokens"][0])
    assert answer["details"]["finish_reason"] == "stop_sequence"
    assert answer["generated_text"].endswith("use")


def test_compat_root_answers_a_list_or_a_stream(tgi: TGIStandIn) -> None:
    listed = httpx.post(tgi.url, json={"inputs": PROMPT, "parameters": {"details": True}}).json()
    assert violations(listed, response_schema("/", "post", "200")) == []
    with httpx.stream("POST", tgi.url, json={"inputs": PROMPT, "stream": True}) as response:
        assert response.headers["content-type"] == "text/event-stream"
        events = [json.loads(e) for e in sse_events(response)]
    assert "".join(e["token"]["text"] for e in events if not e["token"]["special"]) == ANSWER


def test_generate_stream_events_match_schema_and_end_with_details(tgi: TGIStandIn) -> None:
    with httpx.stream("POST", f"{tgi.url}/generate_stream", json={"inputs": PROMPT}) as response:
        events = [json.loads(e) for e in sse_events(response)]
    schema = response_schema("/generate_stream", "post", "200", "text/event-stream")
    assert all(violations(e, schema) == [] for e in events)
    assert [e["index"] for e in events] == list(range(len(events)))
    last = events[-1]
    assert last["generated_text"] == ANSWER and last["details"]["finish_reason"] == "eos_token"
    assert all(e["details"] is None for e in events[:-1])


def test_huggingface_hub_parses_every_generation_shape(tgi: TGIStandIn) -> None:
    client = InferenceClient(base_url=tgi.url)
    detailed = client.text_generation(PROMPT, details=True, max_new_tokens=8, seed=3, do_sample=True)
    assert detailed.details is not None and detailed.details.finish_reason == "length"
    assert detailed.details.seed == 3 and detailed.details.generated_tokens == 8
    streamed = list(client.text_generation(PROMPT, details=True, stream=True))
    assert streamed[-1].generated_text == ANSWER
    assert client.text_generation(PROMPT) == ANSWER


def test_chat_completions_plain_and_streamed(tgi: TGIStandIn) -> None:
    messages: list[dict[Any, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Why?"},
    ]
    body = {"model": "tgi", "messages": messages, "max_tokens": 100, "seed": 5, "temperature": 0.5}
    answer = httpx.post(f"{tgi.url}/v1/chat/completions", json=body).json()
    assert violations(answer, response_schema("/v1/chat/completions", "post", "200")) == []
    real = json.loads((SNAPSHOTS / "test_mllama" / "test_mllama_simpl.json").read_text())  # TGI 3.3.6
    assert set(answer) == set(real) and set(answer["choices"][0]) == set(real["choices"][0])
    assert set(answer["choices"][0]["message"]) == set(real["choices"][0]["message"])
    assert answer["choices"][0]["message"]["content"] == ANSWER
    recorded = tgi.requests[-1]
    assert recorded.messages == messages
    assert recorded.prompt == "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhy? [/INST]"
    assert recorded.parameters["seed"] == 5 and recorded.parameters["max_new_tokens"] == 100

    client = InferenceClient(base_url=f"{tgi.url}/v1")
    chunks = list(
        client.chat_completion(messages, stream=True, stream_options=StreamOptions(include_usage=True))
    )
    chunk_schema = response_schema("/v1/chat/completions", "post", "200", "text/event-stream")
    real_chunks = json.loads(
        (SNAPSHOTS / "test_completion_prompts" / "test_chat_hfhub_usage.json").read_text()
    )
    assert set(real_chunks[0]) <= set(json.loads(json.dumps(chunks[0], default=vars)))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ANSWER and chunks[-1].usage is not None
    with httpx.stream("POST", f"{tgi.url}/v1/chat/completions", json={**body, "stream": True}) as response:
        raw = sse_events(response)
    assert raw[-1] == "[DONE]"
    assert all(violations(json.loads(e), chunk_schema) == [] for e in raw[:-1])


def test_completions_match_schema_and_real_snapshot(tgi: TGIStandIn) -> None:
    body = {"model": "tgi", "prompt": PROMPT, "max_tokens": 5, "temperature": 0}
    answer = httpx.post(f"{tgi.url}/v1/completions", json=body).json()
    assert violations(answer, response_schema("/v1/completions", "post", "200")) == []
    real_file = SNAPSHOTS / "test_completion_prompts" / "test_flash_llama_completion_single_prompt.json"
    real = json.loads(real_file.read_text())
    assert set(answer) == set(real) and set(answer["choices"][0]) == set(real["choices"][0])
    assert answer["choices"][0]["finish_reason"] == "length" and answer["usage"]["completion_tokens"] == 5
    # Temperature 0 is the OpenAI API's greedy decoding; TGI's own validation would refuse it.
    assert tgi.requests[-1].parameters["do_sample"] is False


def test_info_tokenize_health_metrics(tgi: TGIStandIn) -> None:
    info = httpx.get(f"{tgi.url}/info").json()
    assert violations(info, response_schema("/info", "get", "200")) == []
    text = "n ^= n - 1  # 日本"
    tokens = httpx.post(f"{tgi.url}/tokenize", json={"inputs": text}).json()
    assert violations(tokens, response_schema("/tokenize", "post", "200")) == []
    # Offsets are byte offsets into the input, as TGI's Rust tokenizer reports them; BOS comes first.
    raw = text.encode()
    assert tokens[0]["stop"] == 0 and all(
        raw[t["start"] : t["stop"]].decode() == t["text"] for t in tokens[1:]
    )
    assert httpx.get(f"{tgi.url}/health").status_code == 200
    metrics = httpx.get(f"{tgi.url}/metrics")
    assert metrics.headers["content-type"].startswith("text/plain") and "tgi_request_count" in metrics.text


def test_faults_answer_with_tgi_error_bodies(tgi: TGIStandIn) -> None:
    tgi.fail_next(status=429, times=1, retry_after=3)
    overloaded = httpx.post(f"{tgi.url}/generate", json={"inputs": PROMPT})
    assert overloaded.status_code == 429 and overloaded.headers["retry-after"] == "3"
    assert violations(overloaded.json(), response_schema("/generate", "post", "429")) == []
    assert overloaded.json()["error_type"] == "overloaded"
    tgi.fail_next(status=429)
    with pytest.raises(OverloadedError):
        InferenceClient(base_url=tgi.url).text_generation(PROMPT)
    invalid = httpx.post(f"{tgi.url}/generate", json={"inputs": PROMPT, "parameters": {"temperature": 0}})
    assert invalid.status_code == 422 and "temperature" in invalid.json()["error"]
    tgi.healthy = False
    assert httpx.get(f"{tgi.url}/health").status_code == 503
    assert (
        httpx.post(f"{tgi.url}/generate", json={"inputs": PROMPT}).status_code == 200
    )  # faults were used up


def test_scripted_answers_run_out_loudly() -> None:
    with TGIStandIn(responder=["only one"]) as tgi:
        assert httpx.post(f"{tgi.url}/generate", json={"inputs": "a"}).json()["generated_text"] == "only one"
        exhausted = httpx.post(f"{tgi.url}/generate", json={"inputs": "b"})
        assert exhausted.status_code == 500 and "exhausted after 1" in exhausted.json()["error"]
        assert tgi.prompts() == ["a", "b"]


def test_runs_as_a_separate_process(tmp_path: Path) -> None:
    script = tmp_path / "answers.json"
    script.write_text(json.dumps(["from another process"]))
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stand_ins.tgi_server", "--port", "0", "--script", str(script)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        # The server prints its URL once it listens (EOF if it died); wait for that with a deadline.
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "the stand-in process printed nothing within 20 s"
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.split()[-1]
        answer = httpx.post(f"{url}/generate", json={"inputs": PROMPT}, timeout=10).json()
        assert answer["generated_text"] == "from another process"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()


def test_stop_cuts_a_delayed_answer_short_and_frees_the_port() -> None:
    tgi = TGIStandIn(responder=["slow"], delay_s=60).start()
    url = tgi.url
    outcome: list[object] = []

    def ask() -> None:
        try:
            outcome.append(httpx.post(f"{url}/generate", json={"inputs": "x"}, timeout=30).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=ask)
    caller.start()
    deadline = time.monotonic() + 10
    while not tgi.requests:  # the request has reached the delay
        assert time.monotonic() < deadline, "the request never arrived"
        time.sleep(0.01)
    tgi.stop()  # must not wait out the 60 s delay
    caller.join(timeout=10)
    assert not caller.is_alive() and outcome == [200]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=2)
