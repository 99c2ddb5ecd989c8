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
import functools
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from celery import Celery
from kombu.serialization import dumps

from bot.queue_depth import PRIORITY_SEPARATOR, PRIORITY_STEPS

# kombu's default: persistent (AMQP delivery mode 2), which Celery's send_task leaves as it is.
PERSISTENT = 2


@functools.lru_cache(maxsize=64)
def priority_list(queue: str, priority: int) -> str:
    """The Redis list kombu's Redis transport puts a message of `priority` on: the highest step not above
    it (kombu's Channel.priority and _q_for_pri)."""
    step = max(s for s in PRIORITY_STEPS if s <= max(priority, 0))
    return queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}"


class TaskMessages:
    """The messages of one task for a worker of `app`: Celery's task headers and properties are computed once
    (they hold the task id in three places and nothing else that changes), the rest per message. Two
    messages with different ids are compared at construction: if a Celery release puts anything else that
    changes into them, each message is made whole by `as_task_v2` again."""

    def __init__(self, app: Celery, queue: str, task_name: str) -> None:
        self._app = app
        self._queue = queue
        self._task_name = task_name
        self._serializer = app.conf.task_serializer
        self._serialize = _serializer(self._serializer)
        first, second = (self._celery_parts(task_id, "") for task_id in ("\x00a", "\x00b"))
        changing = {k for k in first[0] if first[0][k] != second[0].get(k)}
        changing |= {f"properties.{k}" for k in first[1] if first[1][k] != second[1].get(k)}
        self._template = first if changing == _TASK_ID_FIELDS else None

    def message(self, args: list[Any], task_id: str, argsrepr: str, priority: int = 0) -> bytes:
        """The bytes to LPUSH onto `priority_list(queue, priority)`, for a worker of the app to run."""
        if self._template is None:
            headers, properties = self._celery_parts(task_id, argsrepr)
        else:
            headers = {**self._template[0], "id": task_id, "root_id": task_id, "argsrepr": argsrepr}
            properties = {**self._template[1], "correlation_id": task_id}
        # The body as_task_v2 returns: (args, kwargs, embed), with no callbacks, errbacks, chain or chord.
        body: tuple[list[Any], dict[str, Any], dict[str, None]] = (args, {}, _EMBED)
        content_type, content_encoding, payload = self._serialize(body)
        # send_task passes its extra options (argsrepr) on as message properties too.
        properties = {
            **properties,
            "argsrepr": argsrepr,
            "delivery_mode": PERSISTENT,
            "delivery_info": {"exchange": "", "routing_key": self._queue},
            "priority": priority,
            "body_encoding": "base64",
            "delivery_tag": _delivery_tag(),
        }
        message = {
            "body": base64.b64encode(payload if isinstance(payload, bytes) else payload.encode()).decode(),
            "content-encoding": content_encoding,
            "content-type": content_type,
            "headers": headers,
            "properties": properties,
        }
        return json.dumps(message).encode()

    def _celery_parts(self, task_id: str, argsrepr: str) -> tuple[dict[str, Any], dict[str, Any]]:
        headers, properties, body, _ = self._app.amqp.as_task_v2(
            task_id,
            self._task_name,
            args=[],
            kwargs={},
            reply_to=self._app.thread_oid,
            argsrepr=argsrepr,
            kwargsrepr="{}",
            ignore_result=None,
        )
        if body[2] != _EMBED:
            raise RuntimeError(f"Celery's task body changed shape ({body[2]!r}): bot/celery_wire.py is stale")
        return headers, properties


# What as_task_v2 puts in a task's body beside its arguments when there is no workflow around it.
_EMBED: dict[str, None] = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
# Where as_task_v2 writes the task id: the headers' id and root_id, the properties' correlation_id.
_TASK_ID_FIELDS = {"id", "root_id", "properties.correlation_id"}


def _serializer(name: str) -> Callable[[Any], tuple[str, str, str | bytes]]:
    """kombu's serializer `name`; for JSON, the standard library's own encoder when it writes what kombu's
    does (kombu's goes through its serializer registry and an encoder class made per call: half the
    message's cost), checked on a body of every kind a job's arguments hold."""
    kombu_dumps = functools.partial(dumps, serializer=name)
    if name != "json":
        return kombu_dumps
    sample: tuple[Any, ...] = (
        [{"s": 'naïve \u2603 "q"', "i": 7, "n": None, "b": True, "l": [1, 2]}],
        {},
        _EMBED,
    )
    if kombu_dumps(sample) != ("application/json", "utf-8", json.dumps(sample)):
        return kombu_dumps
    return lambda body: ("application/json", "utf-8", json.dumps(body))


def _delivery_tag() -> str:
    """A fresh tag per message, as kombu's uuid4: it only needs to be unique among the unacknowledged
    messages, so it comes from the process's random generator instead of a system call each."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))
