"""Handing a repair request to the workers, by Celery task name: the receiver never runs a job itself."""

from __future__ import annotations

from typing import Protocol

from celery import Celery

from bot.celery_wire import TaskMessages, priority_list
from core.job_registry import JobRegistry, request_links
from core.jobs import REPAIR_TASK, RepairRequest, task_argsrepr


class Enqueuer(Protocol):
    """Queues a repair request. Contract: returns only once the broker has the message."""

    def enqueue(self, request: RepairRequest) -> str: ...


class CeleryEnqueuer:
    def __init__(self, app: Celery, registry: JobRegistry | None = None, github_api_url: str = "") -> None:
        """`registry`, when given, gets the job's row (state queued) as it is queued."""
        self._app = app
        self._registry = registry
        self._api_url = github_api_url

    def enqueue(self, request: RepairRequest) -> str:
        if self._registry is not None:
            # Before the message: a worker quick to take it up must find the row to mark it running.
            self._registry.queued(request, request_links(request, self._api_url))
        # The delivery id doubles as the task id: a redelivered job keeps its identity in logs.
        # argsrepr: Celery would otherwise saferepr() the whole payload on every publish (0.2 ms, a fifth of
        # the receiver's budget per delivery) for a string only monitoring tools show. send_task takes its
        # producer, and so its broker connection, from the app's pool.
        result = self._app.send_task(
            REPAIR_TASK,
            args=[request.to_payload()],
            task_id=request.delivery_id,
            priority=request.priority(),
            argsrepr=task_argsrepr(request),
        )
        return str(result.id)


class WireMessages:
    """The Redis message Celery's send_task would write for a repair request (bot/celery_wire.py), for the
    queue a worker of `app` consumes; bot/fast_path.py pushes it from the event loop."""

    def __init__(self, app: Celery, queue: str) -> None:
        self._messages = TaskMessages(app, queue, REPAIR_TASK)
        self.queue = queue

    def message(self, request: RepairRequest) -> bytes:
        return self._messages.message(
            [request.to_payload()], request.delivery_id, task_argsrepr(request), request.priority()
        )

    def list_for(self, request: RepairRequest) -> str:
        """The Redis list the message goes on: its priority's (automatic CI repairs wait behind commands)."""
        return priority_list(self.queue, request.priority())
