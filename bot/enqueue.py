"""Handing a repair request to the workers, by Celery task name: the receiver never runs a job itself."""

from __future__ import annotations

from typing import Protocol

from celery import Celery

from core.job_registry import JobRegistry, request_links
from core.jobs import REPAIR_TASK, RepairRequest


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
        result = self._app.send_task(
            REPAIR_TASK,
            args=[request.to_payload()],
            task_id=request.delivery_id,
            priority=request.priority(),
        )
        return str(result.id)
