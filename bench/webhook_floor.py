"""The floor for bench/webhook_bench.py: the least a receiver can do and still be correct about what it keeps.

Signature check, dedupe (SET NX with an expiry) and one LPUSH of a job naming the delivery (about the size
of the receiver's Celery message), on Starlette with redis.asyncio: no parsing, no typing, no Celery, no
logging. Not product code; run by the bench as
    python bench/webhook_floor.py PORT REDIS_URL QUEUE SECRET
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys

import redis.asyncio as aredis
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The receiver's Celery message is about 1.5 KB; the floor's job is as large, so Redis does the same work.
PAD = "x" * 1400


def create_app(redis_url: str, queue: str, secret: str) -> Starlette:
    store = aredis.Redis.from_url(redis_url)
    key = secret.encode()

    async def webhook(request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get("x-hub-signature-256", "")
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode("latin-1")):
            return JSONResponse({"status": 401}, status_code=401)
        delivery = request.headers.get("x-github-delivery", "")
        if not await store.set(f"floor:delivery:{delivery}", 1, nx=True, ex=86_400):
            return JSONResponse({"status": 200, "reason": "ignored: duplicate"})
        await store.lpush(queue, json.dumps({"delivery": delivery, "body_bytes": len(body), "pad": PAD}))
        return JSONResponse({"status": 202, "reason": "queued"}, status_code=202)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/webhook", webhook, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    )


if __name__ == "__main__":
    port, redis_url, queue, secret = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    uvicorn.run(
        create_app(redis_url, queue, secret),
        host="127.0.0.1",
        port=int(port),
        access_log=False,
        log_level="warning",
        loop=sys.argv[5] if len(sys.argv) > 5 else "auto",
        http=sys.argv[6] if len(sys.argv) > 6 else "auto",
    )
