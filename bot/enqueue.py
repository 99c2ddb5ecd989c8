"""Handing a repair request to the workers, by Celery task name: the receiver never runs a job itself."""

from __future__ import annotations

from typing import Protocol

import redis.asyncio as aredis
from celery import Celery

from bot.celery_wire import task_message
from core.jobs import REPAIR_TASK, RepairRequest


class Enqueuer(Protocol):
    """Queues a repair request. Contract: returns only once the broker has the message."""

    def enqueue(self, request: RepairRequest) -> str: ...


class CeleryEnqueuer:
    def __init__(self, app: Celery) -> None:
        self._app = app

    def enqueue(self, request: RepairRequest) -> str:
        # The delivery id doubles as the task id: a redelivered job keeps its identity in logs.
        # argsrepr: Celery would otherwise saferepr() the whole payload on every publish (0.2 ms, a fifth of
        # the receiver's budget per delivery) for a string only monitoring tools show. send_task takes its
        # producer, and so its broker connection, from the app's pool.
        result = self._app.send_task(
            REPAIR_TASK,
            args=[request.to_payload()],
            task_id=request.delivery_id,
            argsrepr=argsrepr(request),
        )
        return str(result.id)


class RedisWireEnqueuer:
    """Queues a repair request from the event loop: one LPUSH on redis.asyncio of the message Celery's
    send_task would write (bot/celery_wire.py), onto the queue a worker of `app` consumes."""

    def __init__(self, app: Celery, client: aredis.Redis, queue: str) -> None:
        self._app = app
        self._redis = client
        self._queue = queue

    async def enqueue(self, request: RepairRequest) -> str:
        message = task_message(
            self._app,
            self._queue,
            REPAIR_TASK,
            [request.to_payload()],
            request.delivery_id,
            argsrepr(request),
        )
        await self._redis.lpush(self._queue, message)
        return request.delivery_id


def argsrepr(request: RepairRequest) -> str:
    """What a worker's log shows for the job's arguments: its identity, not the whole payload."""
    return f"[{request.kind} {request.repo_full_name} {request.delivery_id}]"
