"""A Celery task message in the exact form Celery's `send_task` leaves in Redis, for publishing with
redis.asyncio from the event loop (bot/fast_path.py) instead of a blocking producer in a thread.

What is Celery's own is taken from Celery: the task message (protocol 2 headers, properties and body) comes
from `app.amqp.as_task_v2`, the body's serialization from kombu. What is kombu's Redis transport's is written
out here and pinned by tests/bot/test_celery_wire.py, which compares this message with the one `send_task`
writes, field by field, and has a real worker run a job queued this way: the anonymous exchange (routing key
= queue name), persistent delivery, the priority and its list (kombu keeps one Redis list per priority step:
the queue's own name for 0, `<queue>\x06\x16<step>` for the others), the body base64-encoded, a fresh
delivery tag.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from celery import Celery
from kombu.serialization import dumps

from bot.queue_depth import PRIORITY_SEPARATOR, PRIORITY_STEPS

# kombu's default: persistent (AMQP delivery mode 2), which Celery's send_task leaves as it is.
PERSISTENT = 2


def priority_list(queue: str, priority: int) -> str:
    """The Redis list kombu's Redis transport puts a message of `priority` on: the highest step not above
    it (kombu's Channel.priority and _q_for_pri)."""
    step = max(s for s in PRIORITY_STEPS if s <= max(priority, 0))
    return queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}"


def task_message(
    app: Celery,
    queue: str,
    task_name: str,
    args: list[Any],
    task_id: str,
    argsrepr: str,
    priority: int = 0,
) -> bytes:
    """The bytes to LPUSH onto `priority_list(queue, priority)` so that a worker of `app` runs the task."""
    headers, properties, body, _ = app.amqp.as_task_v2(
        task_id,
        task_name,
        args=args,
        kwargs={},
        reply_to=app.thread_oid,
        argsrepr=argsrepr,
        kwargsrepr="{}",
        ignore_result=None,
    )
    content_type, content_encoding, payload = dumps(body, serializer=app.conf.task_serializer)
    # send_task passes its extra options (argsrepr) on as message properties too.
    properties = {
        **properties,
        "argsrepr": argsrepr,
        "delivery_mode": PERSISTENT,
        "delivery_info": {"exchange": "", "routing_key": queue},
        "priority": priority,
        "body_encoding": "base64",
        "delivery_tag": str(uuid.uuid4()),
    }
    message = {
        "body": base64.b64encode(payload if isinstance(payload, bytes) else payload.encode()).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": properties,
    }
    return json.dumps(message).encode()
