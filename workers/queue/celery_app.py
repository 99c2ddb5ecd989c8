"""The Celery application: Redis broker, late acknowledgement, one job at a time per process."""

from __future__ import annotations

from celery import Celery, signals

from core.settings import Settings


def make_celery(settings: Settings) -> Celery:
    app = Celery("codellama", broker=settings.redis_url)
    app.conf.update(
        # A job is acknowledged only when it ends; a worker killed mid-job leaves it unacknowledged, and
        # once its lease (the visibility timeout, renewed by workers/queue/job_lease.py) lapses, the next
        # sweep hands it to another worker.
        task_default_queue=settings.celery_queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.job_time_limit_s,
        task_soft_time_limit=max(settings.job_time_limit_s - 60, 30),
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout_s,
            # Sweep for lapsed leases often enough that the visibility timeout is honoured to ~10 s.
            "unacked_restore_interval": max(1, min(10, settings.celery_visibility_timeout_s // 4)),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        # task-received, -started, -succeeded, -failed, -retried: what Flower's Tasks page and `celery events`
        # show, one small publish on Redis per change. task-sent stays off: the receiver queues CI repairs by
        # writing the message itself (bot/fast_path.py), which sends no event, and the acknowledgement path
        # should not pay a publish for a half-told story.
        worker_send_task_events=settings.celery_task_events,
        task_send_sent_event=False,
    )
    return app


def _logging_is_configured(**_: object) -> None:
    """core/logs.py configured logging before the worker started."""


def keep_our_logging() -> None:
    """Celery configures no logging of its own when `setup_logging` has a receiver: without this it would
    add its own handler to the task logger and redirect stdout through plain-text handlers."""
    signals.setup_logging.connect(_logging_is_configured, weak=False)
