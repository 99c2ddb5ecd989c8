"""TGI's request checks and response shapes for the stand-in: pure functions, no I/O.

Shapes follow ../shared/corpora/tgi/openapi.json (TGI 3.3) and its recorded response snapshots;
validation messages follow TGI's router (validation.rs). Tokenization is a deterministic fake (words
and punctuation with their leading spaces): counts are stable, not Code Llama's.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Iterator
from typing import Any

_PIECE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")
BOS_ID, EOS_ID, VOCAB = 1, 2, 32016  # Code Llama's ids for <s> and </s>, and its vocabulary size
GENERATION_PATHS = ("/", "/generate", "/generate_stream", "/v1/chat/completions", "/v1/completions")
ERROR_TYPES = {422: "validation", 424: "generation", 429: "overloaded", 500: "incomplete_generation"}


def fake_tokenize(text: str) -> list[dict[str, Any]]:
    """TGI's /tokenize shape: BOS first (TGI adds it), then pieces with byte offsets into the input."""
    tokens: list[dict[str, Any]] = [{"id": BOS_ID, "text": "", "start": 0, "stop": 0}]
    offset = 0
    for piece in _PIECE.findall(text):
        size = len(piece.encode())
        token_id = 3 + zlib.crc32(piece.encode()) % (VOCAB - 3)
        tokens.append({"id": token_id, "text": piece, "start": offset, "stop": offset + size})
        offset += size
    return tokens


def request_of(path: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The prompt and TGI parameters a generation request asks for, whichever API it came through."""
    if path == "/v1/chat/completions":
        return chat_prompt(body.get("messages") or []), chat_parameters(body)
    if path == "/v1/completions":
        return str(body.get("prompt", "")), completion_parameters(body)
    return str(body.get("inputs", "")), dict(body.get("parameters") or {})


def response_of(path: str, result: dict[str, Any], input_tokens: int, model_id: str) -> object:
    if path == "/v1/chat/completions":
        return chat_completion(result, input_tokens, model_id)
    if path == "/v1/completions":
        return completion(result, input_tokens, model_id)
    return [result] if path == "/" else result  # the compat route answers a list


def events_of(
    path: str, result: dict[str, Any], input_tokens: int, model_id: str, body: dict[str, Any]
) -> Iterator[str]:
    if path == "/v1/chat/completions":
        return chat_events(result, input_tokens, model_id, body)
    return generate_events(result, input_tokens)


def info(model_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """GET /info as TGI 3.3 answers it; an override of None drops the field, as older TGIs lack some."""
    info = {
        "model_id": model_id, "model_sha": None, "model_pipeline_tag": "text-generation",
        "max_concurrent_requests": 128, "max_best_of": 2, "max_stop_sequences": 4,
        "max_input_tokens": 12288, "max_total_tokens": 16384, "validation_workers": 2,
        "max_client_batch_size": 4, "router": "text-generation-router", "version": "3.3.6-dev0",
        "sha": None, "docker_label": None,
    }  # fmt: skip
    info.update(overrides)
    return {k: v for k, v in info.items() if v is not None or k not in overrides}


class Reject(Exception):
    """An error answer in TGI's ErrorResponse shape, with an optional Retry-After header."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


def error_text(status: int) -> str:
    texts = {429: "Model is overloaded", 503: "unhealthy", 424: "Request failed during generation"}
    return texts.get(status, "Input validation error" if status == 422 else "Incomplete generation")


def validate(parameters: dict[str, Any], input_tokens: int, max_input: int, max_total: int) -> int:
    """TGI's router checks (validation.rs), with its messages; returns the effective max_new_tokens."""
    temperature, top_p = parameters.get("temperature"), parameters.get("top_p")
    if temperature is not None and temperature <= 0:
        raise Reject(422, "Input validation error: `temperature` must be strictly positive")
    if top_p is not None and not 0 < top_p < 1:
        raise Reject(422, "Input validation error: `top_p` must be > 0.0 and < 1.0")
    if len(parameters.get("stop") or []) > 4:
        raise Reject(422, "Input validation error: `stop` supports up to 4 stop sequences")
    if input_tokens > max_input:
        raise Reject(
            422,
            f"Input validation error: `inputs` must have less than {max_input} tokens. Given: {input_tokens}",
        )
    max_new = parameters.get("max_new_tokens") or max_total - input_tokens
    if input_tokens + max_new > max_total:
        raise Reject(
            422,
            f"Input validation error: `inputs` tokens + `max_new_tokens` must be <= {max_total}. "
            f"Given: {input_tokens} `inputs` tokens and {max_new} `max_new_tokens`",
        )
    return int(max_new)


def finish(answer: str, parameters: dict[str, Any], max_new: int) -> dict[str, Any]:
    """TGI's GenerateResponse for a scripted answer, cut as TGI would cut the model's tokens."""
    reason = "eos_token"
    stops = [(answer.find(s), s) for s in parameters.get("stop") or [] if s and s in answer]
    if stops:
        # TGI stops after the stop sequence and keeps it in the text.
        at, stop = min(stops)
        answer, reason = answer[: at + len(stop)], "stop_sequence"
    pieces = _PIECE.findall(answer)
    if len(pieces) > max_new:
        pieces, reason = pieces[:max_new], "length"
    tokens = [
        {"id": 3 + zlib.crc32(p.encode()) % (VOCAB - 3), "text": p, "logprob": -0.5, "special": False}
        for p in pieces
    ]
    if reason == "eos_token":
        tokens.append({"id": EOS_ID, "text": "</s>", "logprob": -0.1, "special": True})
    # TGI reports the seed it sampled with, and none for greedy decoding.
    seed = parameters.get("seed") if parameters.get("do_sample") else None
    text = "".join(pieces)
    details = {
        "finish_reason": reason, "generated_tokens": len(tokens), "seed": seed, "prefill": [],
        "tokens": tokens, "top_tokens": None, "best_of_sequences": None,
    }  # fmt: skip
    return {"generated_text": text, "details": details}


def chat_prompt(messages: list[dict[str, Any]]) -> str:
    """Code Llama's chat template, as TGI applies it, without the leading BOS (as /generate gets it)."""
    texts = [(m.get("role", "user"), _content(m.get("content"))) for m in messages]
    if texts and texts[0][0] == "system" and len(texts) > 1:
        texts = [(texts[1][0], f"<<SYS>>\n{texts[0][1]}\n<</SYS>>\n\n{texts[1][1]}"), *texts[2:]]
    out = "".join(
        f"<s>[INST] {text.strip()} [/INST]" if role == "user" else f" {text.strip()} </s>"
        for role, text in texts
    )
    return out.removeprefix("<s>")


def _content(content: object) -> str:
    # OpenAI-style content may be a list of chunks; only text chunks mean anything to Code Llama.
    if isinstance(content, list):
        return "".join(c.get("text", "") for c in content if isinstance(c, dict))
    return str(content or "")


def chat_parameters(body: dict[str, Any]) -> dict[str, Any]:
    stop = body.get("stop")
    return {
        "max_new_tokens": body.get("max_tokens"), "temperature": body.get("temperature"),
        "top_p": body.get("top_p"), "seed": body.get("seed"),
        "stop": [stop] if isinstance(stop, str) else stop,
        "do_sample": body.get("temperature") is not None, "n": body.get("n"),
    }  # fmt: skip


def completion_parameters(body: dict[str, Any]) -> dict[str, Any]:
    """/v1/completions to TGI's parameters; temperature 0 asks for greedy decoding, as in TGI's server."""
    stop, temperature = body.get("stop"), body.get("temperature")
    sampled = temperature is not None and temperature > 0
    return {
        "max_new_tokens": body.get("max_tokens"), "temperature": temperature if sampled else None,
        "top_p": body.get("top_p"), "seed": body.get("seed"), "do_sample": sampled,
        "stop": [stop] if isinstance(stop, str) else stop,
    }  # fmt: skip


def completion(result: dict[str, Any], input_tokens: int, model_id: str) -> dict[str, Any]:
    choice = {
        "index": 0,
        "text": result["generated_text"],
        "logprobs": None,
        "finish_reason": _chat_finish(result),
    }
    usage = _chat_usage(result, input_tokens)
    return {**_chat_head(model_id, "text_completion"), "choices": [choice], "usage": usage}


def _chat_head(model_id: str, kind: str) -> dict[str, Any]:
    return {"id": "", "object": kind, "created": int(time.time()), "model": model_id,
            "system_fingerprint": "3.3.6-dev0-native"}  # fmt: skip


def _chat_usage(result: dict[str, Any], prompt: int) -> dict[str, int]:
    completion = result["details"]["generated_tokens"]
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _chat_finish(result: dict[str, Any]) -> str:
    return "length" if result["details"]["finish_reason"] == "length" else "stop"


def chat_completion(result: dict[str, Any], input_tokens: int, model_id: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": result["generated_text"], "name": None, "tool_calls": None}
    # TGI 3.3 puts a (null) usage in each choice too, as its recorded responses show.
    choice = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": _chat_finish(result),
        "usage": None,
    }
    return {
        **_chat_head(model_id, "chat.completion"),
        "choices": [choice],
        "usage": _chat_usage(result, input_tokens),
    }


def chat_events(
    result: dict[str, Any], input_tokens: int, model_id: str, body: dict[str, Any]
) -> Iterator[str]:
    """OpenAI-style chunks, one per token, a last one with finish_reason, usage when asked, [DONE]."""
    tokens = [t for t in result["details"]["tokens"] if not t["special"]]
    for token in [*tokens, None]:
        delta = {"role": "assistant", "content": token["text"] if token else "", "tool_calls": None}
        finish = None if token else _chat_finish(result)
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        yield json.dumps(
            {**_chat_head(model_id, "chat.completion.chunk"), "choices": [choice], "usage": None}
        )
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {
            **_chat_head(model_id, "chat.completion.chunk"),
            "choices": [],
            "usage": _chat_usage(result, input_tokens),
        }
        yield json.dumps(usage)
    yield "[DONE]"


def generate_events(result: dict[str, Any], input_tokens: int) -> Iterator[str]:
    """TGI's /generate_stream: one event per token; the last carries generated_text and details."""
    tokens, details = result["details"]["tokens"], result["details"]
    for index, token in enumerate(tokens):
        event: dict[str, Any] = {"index": index, "token": token, "top_tokens": None,
                                 "generated_text": None, "details": None}  # fmt: skip
        if index == len(tokens) - 1:
            event["generated_text"] = result["generated_text"]
            keep = ("finish_reason", "generated_tokens", "seed")
            event["details"] = {**{k: details[k] for k in keep}, "input_length": input_tokens}
        yield json.dumps(event)
