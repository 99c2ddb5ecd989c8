"""One log line per delivery: the receiver's own line (event, action, delivery id, status, reason) says all
that uvicorn's access line for `POST /webhook` would, so that one is dropped; other paths keep theirs."""

from __future__ import annotations

import logging

WEBHOOK_PATH = "/webhook"


class DropWebhookAccess(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: args = (client address, method, path with query, HTTP version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            return args[2].partition("?")[0] != WEBHOOK_PATH
        return True


def one_line_per_delivery() -> None:
    logging.getLogger("uvicorn.access").addFilter(DropWebhookAccess())
