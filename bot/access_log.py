"""One log line per delivery: the receiver's own line (event, action, delivery id, status, reason) says all
that an access line for `POST /webhook` would. Other paths (/healthz, /metrics, /jobs) get uvicorn's access
line, written here: uvicorn's own access log is off, because it made (and scrubbed) a record for every
delivery only for a filter to drop it, a few percent of the receiver's time per delivery."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEBHOOK_PATH = "/webhook"

log = logging.getLogger("codellama.access")


class AccessLog:
    """ASGI middleware: uvicorn's access line (`client - "METHOD path HTTP/version" status`) for every
    HTTP request but the webhook's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == WEBHOOK_PATH or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                log.info(
                    '%s - "%s %s HTTP/%s" %d',
                    _client(scope),
                    scope["method"],
                    _path_with_query(scope),
                    scope["http_version"],
                    message["status"],
                )
            await send(message)

        await self.app(scope, receive, logged)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


def _path_with_query(scope: Scope) -> str:
    path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
    if scope.get("query_string"):
        path = f"{path}?{scope['query_string'].decode('ascii', 'replace')}"
    return path.replace('"', "%22")  # as uvicorn: a quote cannot end the quoted request early
