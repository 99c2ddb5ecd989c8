"""Sending a delivery byte for byte (duplicate and non-ASCII headers, chunked bodies) and counting the jobs
that reached the Celery queue."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

from tests.malformed_deliveries import Case


@dataclass(frozen=True)
class Answer:
    status: int  # 0 when no HTTP answer came (the connection broke or timed out)
    reason: str


def send(host: str, port: int, case: Case, timeout_s: float = 30.0) -> Answer:
    """POST the case exactly as built: duplicate and non-ASCII headers go out byte for byte."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.putrequest("POST", "/webhook", skip_accept_encoding=True)
        names = {k.lower() for k, _ in case.headers}
        for name, value in case.headers:
            conn.putheader(name, value)
        if case.chunked:
            conn.putheader(b"Transfer-Encoding", b"chunked")
        elif b"content-length" not in names:
            conn.putheader(b"Content-Length", str(len(case.body)).encode())
        try:
            if case.chunked:
                conn.endheaders()
                for i in range(0, len(case.body), 65_536):
                    chunk = case.body[i : i + 65_536]
                    conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                # Headers and body in one write, as GitHub's client sends a small delivery: a server that
                # refuses the headers (an invalid Content-Length) and closes has then read the body with
                # them, instead of the body arriving after the close and resetting the connection (which
                # loses the answer already sent).
                conn.endheaders(message_body=case.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) and closed before reading all of it
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        try:
            reason = str(json.loads(text).get("reason", text))
        except (ValueError, AttributeError):
            reason = text[:300]
        return Answer(response.status, reason)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(0, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def queued_jobs(client: Any, queue: str) -> int:
    """Messages waiting in the Celery queue (kombu keeps one Redis list per queue and priority)."""
    return sum(
        int(client.llen(key)) for key in client.scan_iter(match=f"{queue}*") if client.type(key) == b"list"
    )
