"""Task events for Flower and `celery events`: a real `codellama-bot worker` runs a job (a `/codellama help`
answer) while Celery's own event receiver listens on the real Redis; it hears the job received and
succeeded. And with CELERY_TASK_EVENTS=false it hears nothing of the job."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.enqueue import CeleryEnqueuer
from core.jobs import RepairRequest
from tests import processes
from tests.bugs import PARENS_RIGHT
from tests.conftest import wait_until
from tests.github_world import INSTALLATION_ID, MAINTAINER, REPO
from tests.scenes import Scene, parens_scene
from workers.queue.celery_app import make_celery

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEADLINE_S = 60


class Listener:
    """Celery's event receiver in a thread, keeping every event it hears."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def heard(self, kind: str, uuid: str | None = None) -> bool:
        with self._lock:
            return any(e["type"] == kind and (uuid is None or e.get("uuid") == uuid) for e in self.events)

    def kinds_for(self, task_id: str) -> list[str]:
        with self._lock:
            return [e["type"] for e in self.events if e.get("uuid") == task_id]

    def on_event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)


@contextmanager
def listening(scene: Scene, queue: str) -> Iterator[Listener]:
    app = make_celery(scene.world.settings(scene.env["REDIS_URL"], queue))
    listener = Listener()
    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": listener.on_event})
        thread = threading.Thread(target=lambda: receiver.capture(limit=None, timeout=None), daemon=True)
        thread.start()
        try:
            # Redis drops what is published before the receiver subscribed: probe until one comes through.
            probe = uuid.uuid4().hex
            with app.connection_for_write() as out:
                dispatcher = app.events.Dispatcher(out)

                def probe_heard() -> bool:
                    dispatcher.send("test-probe", uuid=probe)
                    return listener.heard("test-probe", probe)

                wait_until(probe_heard, DEADLINE_S, "the event receiver to subscribe", interval_s=0.2)
                dispatcher.close()
            yield listener
        finally:
            receiver.should_stop = True
            thread.join(timeout=10)


def _help_job(scene: Scene, delivery: str) -> RepairRequest:
    number, _ = scene.fix_command("/codellama help")
    return RepairRequest(
        kind="help",
        installation_id=INSTALLATION_ID,
        repo_full_name=REPO,
        delivery_id=delivery,
        issue_number=number,
        requested_by=MAINTAINER,
    )


@pytest.mark.parametrize("events", ["true", "false"])
def test_a_worker_tells_flower_a_job_was_received_and_succeeded(
    tmp_path: Path, redis_url: str, queue_name: str, events: str
) -> None:
    with (
        parens_scene(tmp_path, redis_url, queue_name, [PARENS_RIGHT], CELERY_TASK_EVENTS=events) as scene,
        listening(scene, queue_name) as listener,
        processes.worker(scene.env, tmp_path / "worker.log") as worker,
    ):
        enqueuer = CeleryEnqueuer(make_celery(scene.world.settings(redis_url, queue_name)))
        job = enqueuer.enqueue(_help_job(scene, "events-help"))
        wait_until(lambda: f"[{job}] succeeded" in worker.log(), DEADLINE_S, "the help job to succeed")
        if events == "true":
            wait_until(lambda: listener.heard("task-succeeded", job), DEADLINE_S, "task-succeeded")
            assert listener.kinds_for(job)[:3] == ["task-received", "task-started", "task-succeeded"]
        else:
            # The worker's own events would have come before its log line; a marker sent after them
            # arrives after anything the worker published, on the same Redis.
            marker = uuid.uuid4().hex
            app = make_celery(scene.world.settings(redis_url, queue_name))
            with app.connection_for_write() as out, app.events.Dispatcher(out) as dispatcher:
                dispatcher.send("test-marker", uuid=marker)
            wait_until(lambda: listener.heard("test-marker", marker), DEADLINE_S, "the marker")
            assert listener.kinds_for(job) == []
