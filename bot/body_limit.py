"""Reading a request body no larger than a limit: refused from Content-Length when it says too much, and
while reading when it lies or is chunked, so an oversized body is never held whole in memory."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

from bot.refused import Refused


async def read_body(request: Request, limit: int) -> bytes:
    lengths = [v for k, v in request.scope["headers"] if k.lower() == b"content-length"]
    if len(lengths) > 1:
        raise Refused(400, "Content-Length appears more than once")
    if lengths:
        declared = lengths[0].strip()
        if not declared.isdigit() or len(declared) > 20:
            raise Refused(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise Refused(413, f"body of {int(declared)} bytes is over the {limit}-byte limit")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refused(413, f"body is over the {limit}-byte limit")
            chunks.append(chunk)
    except ClientDisconnect:
        raise Refused(400, "the client disconnected before the body was complete") from None
    return b"".join(chunks)
