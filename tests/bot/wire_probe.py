"""A real Celery worker's app for tests/bot/test_celery_wire.py: configured as the workers' (make_celery),
with one task under the repair task's name that records the payload it was given, instead of repairing."""

from __future__ import annotations

import json

import redis

from core.jobs import REPAIR_TASK
from core.settings import load_settings
from workers.queue.celery_app import make_celery

RAN_KEY = "wire-probe:ran"

settings = load_settings()
app = make_celery(settings)


@app.task(name=REPAIR_TASK)
def record(payload: dict[str, object]) -> None:
    redis.Redis.from_url(settings.redis_url).rpush(RAN_KEY, json.dumps(payload))
