"""A stand-in for text-generation-inference: a real HTTP server speaking TGI's API, answering from a script.

Endpoints: POST / (compat), /generate, /generate_stream (SSE), /v1/chat/completions (and its stream),
/v1/completions (not streamed), /tokenize; GET /info, /health, /metrics. Shapes and checks live in
tgi_shapes.py. Run in-process as a context manager, or out of process:
`python -m tests.stand_ins.tgi_server --port P --script answers.json [--delay S]` (a JSON list of answer
strings; a delay keeps each generation request in flight, e.g. for a test that kills the server).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.stand_ins import tgi_shapes as shapes

# Called with the prompt and the request's parameters; returns the model's whole answer.
Responder = Callable[[str, dict[str, Any]], str]


@dataclass
class TGIRequest:
    """One request as the stand-in saw it; `prompt` is the rendered chat for /v1/chat/completions."""

    path: str
    prompt: str
    parameters: dict[str, Any]
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    messages: list[dict[str, Any]] | None = None


@dataclass
class _Fault:
    status: int
    times: int
    retry_after: float | None


@dataclass
class TGIStandIn:
    """Context manager serving TGI's endpoints on 127.0.0.1 at an ephemeral port (`url`)."""

    responder: list[str] | Responder = field(default_factory=list)
    model_id: str = "codellama/CodeLlama-34b-Instruct-hf"
    max_input_tokens: int = 12288
    max_total_tokens: int = 16384
    tokenizer: bool = True  # False: /tokenize answers 404 like a TGI without a fast tokenizer
    healthy: bool = True
    delay_s: float = 0.0  # before each generation answer; interrupted by stop()
    info_overrides: dict[str, Any] = field(default_factory=dict)  # None removes a field (older TGI)
    port: int = 0
    requests: list[TGIRequest] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)  # what responders raised
    max_in_flight: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._faults: list[_Fault] = []
        self._answered = 0
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- scripting ----------------------------------------------------------------------------
    def fail_next(self, status: int = 503, times: int = 1, retry_after: float | None = None) -> None:
        """The next `times` generation requests answer `status` with TGI's error body."""
        with self._lock:
            self._faults.append(_Fault(status, times, retry_after))

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def prompts(self) -> list[str]:
        with self._lock:
            return [r.prompt for r in self.requests]

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> TGIStandIn:
        handler = type("Handler", (_Handler,), {"stand_in": self})
        server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        server.daemon_threads = False  # stop() joins handlers, so no request outlives the test
        self._server = server
        # A short poll interval keeps stop() quick: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="tgi-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> TGIStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- behaviour ----------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        limits = {"max_input_tokens": self.max_input_tokens, "max_total_tokens": self.max_total_tokens}
        return shapes.info(self.model_id, {**limits, **self.info_overrides})

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.pop(0)
            return fault

    def _answer(self, prompt: str, parameters: dict[str, Any]) -> str:
        if callable(self.responder):
            return self.responder(prompt, parameters)
        with self._lock:
            if self._answered >= len(self.responder):
                raise shapes.Reject(500, f"TGI stand-in: script exhausted after {self._answered} answers")
            self._answered += 1
            return self.responder[self._answered - 1]

    def generate(
        self, path: str, prompt: str, parameters: dict[str, Any], **extra: Any
    ) -> tuple[dict[str, Any], int]:
        """Validate like TGI, ask the script, cut at stop sequences and max_new_tokens.

        Returns TGI's GenerateResponse (with details) and the prompt's token count.
        """
        with self._lock:
            self.requests.append(TGIRequest(path, prompt, parameters, extra.pop("body"), **extra))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            fault = self._take_fault()
            if fault is not None:
                raise shapes.Reject(fault.status, shapes.error_text(fault.status), fault.retry_after)
            input_tokens = len(shapes.fake_tokenize(prompt))
            max_new = shapes.validate(parameters, input_tokens, self.max_input_tokens, self.max_total_tokens)
            if self.delay_s:
                self._stopping.wait(self.delay_s)
            result = shapes.finish(self._answer(prompt, parameters), parameters, max_new)
            if parameters.get("return_full_text"):
                result["generated_text"] = prompt + result["generated_text"]
            return result, input_tokens
        finally:
            with self._lock:
                self._in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    stand_in: TGIStandIn
    server_version = "text-generation-router-stand-in"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        tgi = self.stand_in
        if self.path == "/health":
            if tgi.healthy:
                self._send(200, b"", "text/plain")
            else:
                self._json(503, {"error": "unhealthy", "error_type": "healthcheck"})
        elif self.path == "/info":
            self._json(200, tgi.info())
        elif self.path == "/metrics":
            body = f"# TYPE tgi_request_count counter\ntgi_request_count {len(tgi.requests)}\n"
            self._send(200, body.encode(), "text/plain; version=0.0.4")
        else:
            self._json(404, {"error": f"no route GET {self.path}", "error_type": "not_found"})

    def do_POST(self) -> None:
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        except ValueError as exc:
            error = f"Failed to parse the request body as JSON: {exc}"
            self._json(422, {"error": error, "error_type": "validation"})
            return
        try:
            self._route(body)
        except shapes.Reject as exc:
            headers = {"Retry-After": f"{exc.retry_after:g}"} if exc.retry_after is not None else {}
            error_type = shapes.ERROR_TYPES.get(exc.status, "healthcheck" if exc.status == 503 else "unknown")
            self._json(exc.status, {"error": exc.message, "error_type": error_type}, headers)
        except Exception as exc:
            # A test's responder failed: answer like TGI's "Incomplete generation" and keep the error for
            # the test to see, rather than dropping the connection (which a client would retry).
            self.stand_in.errors.append(exc)
            message = f"TGI stand-in responder raised {type(exc).__name__}: {exc}"
            self._json(500, {"error": message, "error_type": "incomplete_generation"})

    def _route(self, body: dict[str, Any]) -> None:
        tgi, path = self.stand_in, self.path
        if path == "/tokenize":
            if tgi.tokenizer:
                self._json(200, shapes.fake_tokenize(body.get("inputs", "")))
            else:
                self._json(404, {"error": "No fast tokenizer available", "error_type": "tokenizer"})
            return
        if path not in shapes.GENERATION_PATHS:
            self._json(404, {"error": f"no route POST {path}", "error_type": "not_found"})
            return
        prompt, parameters = shapes.request_of(path, body)
        messages = body.get("messages") if path == "/v1/chat/completions" else None
        result, input_tokens = tgi.generate(
            path, prompt, parameters, body=body, headers=dict(self.headers), messages=messages
        )
        if path == "/generate_stream" or (path in ("/", "/v1/chat/completions") and body.get("stream")):
            self._sse(shapes.events_of(path, result, input_tokens, tgi.model_id, body))
        else:
            self._json(200, shapes.response_of(path, result, input_tokens, tgi.model_id))

    def _json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _sse(self, events: Iterator[str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()  # HTTP/1.0: the stream ends when the connection closes
        for event in events:
            # "data: " with the space: huggingface_hub recognises the end only as "data: [DONE]".
            self.wfile.write(f"data: {event}\n\n".encode())
            self.wfile.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the TGI stand-in until SIGTERM or SIGINT.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script", help="JSON file: a list of answers, served in order")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each generation answer")
    args = parser.parse_args()
    answers: list[str] = []
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            answers = json.load(f)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with TGIStandIn(responder=answers, port=args.port, delay_s=args.delay) as tgi:
        print(f"listening on {tgi.url}", flush=True)  # a parent process reads the port from this line
        while not done.wait(1.0):  # woken by the signal handlers above
            pass


if __name__ == "__main__":
    main()
