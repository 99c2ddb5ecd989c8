"""The stand-in's HTTP/1.1 server: reads requests (chunked or not), applies injected faults, logs, answers."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.stand_ins.github_dispatch import API_PREFIX, Dispatcher, RawReply
from tests.stand_ins.github_rest import DOCS

IDLE_TIMEOUT = 30  # seconds a kept-alive connection may sit idle before its thread gives up on it


@dataclass
class Fault:
    method: str
    path_regex: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: Any


def fault_reply(fault: Fault) -> RawReply:
    headers = dict(fault.headers)
    body = fault.body
    if fault.status in (403, 429) and body is None:
        # GitHub's primary rate limit: remaining 0 and a reset time; PyGithub's retry waits until then.
        headers.setdefault("X-RateLimit-Remaining", "0")
        headers.setdefault("X-RateLimit-Limit", "5000")
        headers.setdefault("X-RateLimit-Reset", str(int(time.time()) + 1))
        headers.setdefault("Retry-After", "1")
        body = {"message": "API rate limit exceeded for installation.", "documentation_url": DOCS}
    elif body is None:
        body = (
            {"message": "Server Error", "documentation_url": DOCS}
            if fault.status >= 500
            else {"message": "Error"}
        )
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawReply(
        fault.status, [("Content-Type", "application/json; charset=utf-8"), *headers.items()], payload
    )


class Server(ThreadingHTTPServer):
    """Threaded, non-daemon handler threads, so server_close() joins them all; open sockets are tracked so
    that stopping the server can cut kept-alive connections instead of waiting for clients to hang up."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.dispatcher = dispatcher
        self.lock = threading.Lock()
        self.open_sockets: set[socket.socket] = set()
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []
        self.errors: list[str] = []  # tracebacks of the stand-in's own bugs, raised again at stop()

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.path_regex.search(path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault; one with times=0 cancels the pending ones for its method and pattern instead."""
        with self.lock:
            if fault.times > 0:
                self.faults.append(fault)
            else:
                key = (fault.method, fault.path_regex)
                self.faults[:] = [f for f in self.faults if (f.method, f.path_regex) != key]

    def stop(self) -> None:
        """Stop serving, cut kept-alive connections, then join every handler thread."""
        self.shutdown()
        with self.lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):  # already closed by the client
                    sock.shutdown(socket.SHUT_RDWR)
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's requests session and git's libcurl expect
    timeout = IDLE_TIMEOUT
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.lock:
            self.server.open_sockets.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request list is the log; stderr noise would bury test output

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            # git sends pushes larger than http.postBuffer chunked; http.server does not decode that itself.
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        body = self._body()
        shown = path.removeprefix(API_PREFIX) if path.startswith(API_PREFIX + "/") else path
        fault = self.server.take_fault(self.command, shown)
        if fault is not None:
            reply = fault_reply(fault)
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                reply = self.server.dispatcher.respond(self.command, path, query, headers, body)
            except Exception as exc:  # a stand-in bug: answer 500 and keep serving, as GitHub would
                with self.server.lock:
                    self.server.errors.append(f"{self.command} {path}: {traceback.format_exc()}")
                message = json.dumps({"message": f"stand-in error: {type(exc).__name__}: {exc}"}).encode()
                reply = RawReply(500, [("Content-Type", "application/json")], message)
        with self.server.lock:
            self.server.requests.append((self.command, shown, reply.status))
        self.send_response(reply.status)
        for name, value in reply.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                # The client hung up mid-body (a log reader past its cap): GitHub just drops it too.
                self.close_connection = True

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve
