"""The worker process and its queue: the Celery app and task, job leases and locks, hand-back, readiness."""
