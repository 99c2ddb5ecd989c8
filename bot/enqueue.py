"""Handing a repair request to the workers, by Celery task name: the receiver never runs a job itself."""

from __future__ import annotations

from typing import Protocol

from celery import Celery

from core.jobs import REPAIR_TASK, RepairRequest


class Enqueuer(Protocol):
    """Queues a repair request. Contract: returns only once the broker has the message."""

    def enqueue(self, request: RepairRequest) -> str: ...


class CeleryEnqueuer:
    def __init__(self, app: Celery) -> None:
        self._app = app

    def enqueue(self, request: RepairRequest) -> str:
        # The delivery id doubles as the task id: a redelivered job keeps its identity in logs.
        result = self._app.send_task(
            REPAIR_TASK,
            args=[request.to_payload()],
            task_id=request.delivery_id,
            priority=request.priority(),
        )
        return str(result.id)
